// State the views share: the current view (from the location hash), data polled from the
// collector, and the colour theme.
import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { parseHash, type View } from "./hash-route.js";

export function useView(): View {
  const [view, setView] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const changed = () => setView(parseHash(location.hash));
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return view;
}

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  /** When the last answer arrived. */
  updatedAt: Date | undefined;
}

/** How often a view asks again; cheap endpoints (the summary reads no database). */
export const POLL_MILLIS = 2000;

/**
 * Loads `load` now, then again every `intervalMs` while the page is visible (a hidden tab asks
 * nothing). `key` names what is loaded: a new key starts over. `intervalMs` 0 loads once.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, key: string, intervalMs = POLL_MILLIS): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, updatedAt: undefined });
  useEffect(() => {
    setState({ data: undefined, error: undefined, updatedAt: undefined });
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      timer = undefined;
      try {
        const data = await load(controller.signal);
        if (!controller.signal.aborted) setState({ data, error: undefined, updatedAt: new Date() });
      } catch (error) {
        if (controller.signal.aborted) return;
        // Keep what was shown; say that it is stale.
        setState((previous) => ({ ...previous, error: error as Error }));
      }
      if (intervalMs > 0 && !controller.signal.aborted && !document.hidden) timer = setTimeout(() => void tick(), intervalMs);
    };
    const visibility = () => {
      if (!document.hidden && timer === undefined && intervalMs > 0) void tick();
    };
    void tick();
    document.addEventListener("visibilitychange", visibility);
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener("visibilitychange", visibility);
    };
  }, [key]);
  return state;
}

export type ThemeChoice = "auto" | "light" | "dark";
export type Theme = "light" | "dark";

const THEME_KEY = "shadowdiff.theme";
const darkQuery = () => matchMedia("(prefers-color-scheme: dark)");

function storedChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    return stored === "light" || stored === "dark" ? stored : "auto";
  } catch {
    return "auto";
  }
}

/** The theme in use, the person's choice (auto follows the system), and a way to change it. */
export function useTheme(): { theme: Theme; choice: ThemeChoice; choose(choice: ThemeChoice): void } {
  const [choice, setChoice] = useState<ThemeChoice>(storedChoice);
  const [systemDark, setSystemDark] = useState(() => darkQuery().matches);
  useEffect(() => {
    const query = darkQuery();
    const changed = () => setSystemDark(query.matches);
    query.addEventListener("change", changed);
    return () => query.removeEventListener("change", changed);
  }, []);
  const theme: Theme = choice === "auto" ? (systemDark ? "dark" : "light") : choice;
  // Before the browser paints, so a dark page never flashes light.
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return {
    theme,
    choice,
    choose(next) {
      setChoice(next);
      try {
        if (next === "auto") localStorage.removeItem(THEME_KEY);
        else localStorage.setItem(THEME_KEY, next);
      } catch {
        // Storage refused (private mode): the choice lasts until the page is closed.
      }
    },
  };
}
