import { ApiError } from "./api.js";
import type { Polled } from "./hooks.js";

/** Whether what is shown is current: the time of the last answer, or why the last ask failed. */
export function LiveStatus({ polled }: { polled: Polled<unknown> }) {
  const at = polled.updatedAt?.toLocaleTimeString("en-GB");
  if (polled.error !== undefined) {
    return (
      <p class="live live-stale" role="status">
        <span class="live-dot" aria-hidden="true" />
        {polled.error instanceof ApiError ? `The collector answered: ${polled.error.message}` : `Cannot reach the collector (${polled.error.message})`}
        {at === undefined ? "" : `; showing what it said at ${at}`}. Asking again.
      </p>
    );
  }
  return (
    <p class="live" role="status" data-updated={polled.updatedAt?.getTime()}>
      <span class="live-dot" aria-hidden="true" />
      {at === undefined ? "Loading…" : `Live, updated ${at}`}
    </p>
  );
}
