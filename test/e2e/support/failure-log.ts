import { beforeEach } from "vitest";
import type { Stack } from "./stack.js";

/** When a test fails, print the tail of Envoy's log: it says what the filter and Envoy saw. */
export function printEnvoyLogOnFailure(stack: () => Stack | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const log = stack()?.envoy.log() ?? "(Envoy did not start)";
      console.error(`--- envoy log (tail) ---\n${log.slice(-6000)}`);
    });
  });
}
