// How many proxies the pairs came from, in words that say what the count can prove. Every pair
// names its proxy itself (proxy_id), so the count is what senders claimed: with the intake token,
// senders that held it; without, anyone who reached the intake, under any name.

/** What a collector says of its intake (`intake` in /api/summary). */
export interface IntakeState {
  /** Every report carried the collector's token (grpc.tokenFile). */
  authenticated: boolean;
}

export const INTAKE_NOT_AUTHENTICATED = "intake not authenticated";

/** "from 3 proxies (…)": the count, and whose word it is. */
export function proxyCountWords(proxies: number | null, intake: IntakeState | null | undefined): string {
  if (proxies === null) return "(from how many proxies, the source does not say)";
  const count = `from ${proxies} ${proxies === 1 ? "proxy" : "proxies"}`;
  if (intake === null || intake === undefined) return `${count} (self-reported ids; whether the intake was authenticated, the source does not say)`;
  if (intake.authenticated) return `${count} (self-reported ids, from senders holding the intake token)`;
  return `${count} (self-reported ids; ${INTAKE_NOT_AUTHENTICATED}: anyone who reached it could send pairs under any id)`;
}
