// Debian's Chromium (`make chromium`), driven by playwright-core, for everything that looks at the
// collector's page: the browser tests, the screenshots and the page benchmark.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// Root cannot use Chromium's sandbox; the rest keep it from reaching for the network on its own
// (this machine has none, and refused connections would show up as errors).
const ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`shadowdiff: no Chromium at ${CHROMIUM}; run \`make chromium\` (or set CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
