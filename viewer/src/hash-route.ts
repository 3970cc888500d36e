// The page's views and their deep links: `#/`, `#/route/<route label>`, with `?target=<name>` for
// one target's figures, `#/pair/<id>`. A link pasted into an incident channel opens the same view
// for whoever follows it.

export type View =
  | { kind: "overview" }
  /** `target`: the one the address names (null: the view chooses); `problems`: what of the address was set aside. */
  | { kind: "route"; route: string; target: string | null; problems: string[] }
  | { kind: "pair"; id: number }
  | { kind: "unknown"; hash: string };

/** A target's name as the filter's configuration allows it (and `other`, the collector's label past its cap). */
const TARGET_NAME = /^[a-z0-9_-]{1,32}$/;

/** The view a location hash names; `unknown` for anything else, never an exception. */
export function parseHash(hash: string): View {
  const path = hash.startsWith("#") ? hash.slice(1) : hash;
  if (path === "" || path === "/") return { kind: "overview" };
  if (path.startsWith("/route/")) {
    // An encoded route label has no "?": what follows one is the view's own settings.
    const [encoded = "", query] = splitOnce(path.slice("/route/".length), "?");
    try {
      const route = decodeURIComponent(encoded);
      if (route !== "") return { kind: "route", route, ...routeSettings(query ?? "") };
    } catch {
      // A malformed escape: not a view.
    }
    return { kind: "unknown", hash: path };
  }
  const pair = /^\/pair\/([0-9]{1,15})$/.exec(path);
  if (pair) {
    const id = Number(pair[1]);
    if (id >= 1) return { kind: "pair", id };
  }
  return { kind: "unknown", hash: path };
}

/** A route view's `target`, or what is wrong with the address's settings (the view then chooses the target). */
function routeSettings(query: string): { target: string | null; problems: string[] } {
  const problems: string[] = [];
  let target: string | null = null;
  const params = new URLSearchParams(query);
  const names = [...new Set(params.keys())];
  for (const name of names) if (name !== "target") problems.push(`"${shown(name)}" is not a setting of a route's view (only target)`);
  const targets = params.getAll("target");
  if (targets.length > 1) problems.push('"target" is given more than once');
  else if (targets.length === 1) {
    const name = targets[0] as string;
    if (TARGET_NAME.test(name)) target = name;
    else problems.push(`target must be a target's name (1 to 32 of a-z, 0-9, _ and -), not "${shown(name)}"`);
  }
  return { target, problems };
}

/** At most 40 characters of what the address said, for a message. */
function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

export function overviewHref(): string {
  return "#/";
}

/** A route's view; with `target`, that target's figures. */
export function routeHref(route: string, target?: string | null): string {
  return `#/route/${encodeURIComponent(route)}${target ? `?target=${encodeURIComponent(target)}` : ""}`;
}

export function pairHref(id: number): string {
  return `#/pair/${id}`;
}
