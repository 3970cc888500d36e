import { useEffect, useRef } from "preact/hooks";
import { fetchSummary } from "./api.js";
import { comparedSides, comparedWords } from "./compared-sides.js";
import { overviewHref } from "./hash-route.js";
import { usePoll, useTheme, useView, type ThemeChoice } from "./hooks.js";
import { OverviewView } from "./overview-view.js";
import { PairView } from "./pair-view.js";
import { RouteView } from "./route-view.js";
import { TokenPrompt } from "./token-prompt.js";
import { settingsFromAddress } from "./verdicts.js";
import { Problem } from "./widgets.js";

const THEME_NEXT: Record<ThemeChoice, ThemeChoice> = { auto: "dark", dark: "light", light: "auto" };
const THEME_LABEL: Record<ThemeChoice, string> = { auto: "Theme: auto", dark: "Theme: dark", light: "Theme: light" };

export function App() {
  const view = useView();
  const { theme, choice, choose } = useTheme();
  const { search, problems } = settingsFromAddress(location.search);
  const main = useRef<HTMLElement>(null);
  // The header says what is compared on every view; the overview shows the same summary.
  const summary = usePoll((signal) => fetchSummary(signal), "summary");

  // A new view: start at its top, and move keyboard focus to its heading (another target of the same route is the same view).
  useEffect(() => {
    scrollTo(0, 0);
    main.current?.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
  }, [view.kind, view.kind === "route" ? view.route : view.kind === "pair" ? view.id : ""]);

  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.querySelector<HTMLElement>("h1")?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={overviewHref()}>
          <span class="brand-mark" aria-hidden="true" />
          shadowdiff
        </a>
        <span class="topbar-note" data-compared>
          {summary.data === undefined ? "Comparing the primary with its targets" : `${comparedWords(comparedSides(summary.data))}, since the collector started`}
        </span>
        <button type="button" class="theme-toggle" onClick={() => choose(THEME_NEXT[choice])} title="Switch between automatic, dark and light">
          {THEME_LABEL[choice]}
        </button>
      </header>
      <main id="main" ref={main}>
        <TokenPrompt />
        {problems.length > 0 && (
          <Problem title="The address's verdict settings were not used:">{problems.join("; ")}. The verdicts below use shadowdiff verdict's defaults.</Problem>
        )}
        {view.kind === "overview" && <OverviewView search={search} summary={summary} />}
        {view.kind === "route" && <RouteView route={view.route} target={view.target} problems={view.problems} search={search} theme={theme} />}
        {view.kind === "pair" && <PairView id={view.id} />}
        {view.kind === "unknown" && (
          <>
            <h1 tabIndex={-1}>No such view</h1>
            <p>
              This link names no view of this page. <a href={overviewHref()}>Back to the routes</a>.
            </p>
          </>
        )}
      </main>
    </>
  );
}
