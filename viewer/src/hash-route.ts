// The page's views and their deep links: `#/`, `#/route/<route label>`, `#/pair/<id>`. A link
// pasted into an incident channel opens the same view for whoever follows it.

export type View =
  | { kind: "overview" }
  | { kind: "route"; route: string }
  | { kind: "pair"; id: number }
  | { kind: "unknown"; hash: string };

/** The view a location hash names; `unknown` for anything else, never an exception. */
export function parseHash(hash: string): View {
  const path = hash.startsWith("#") ? hash.slice(1) : hash;
  if (path === "" || path === "/") return { kind: "overview" };
  if (path.startsWith("/route/")) {
    const encoded = path.slice("/route/".length);
    try {
      const route = decodeURIComponent(encoded);
      if (route !== "") return { kind: "route", route };
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

export function overviewHref(): string {
  return "#/";
}

export function routeHref(route: string): string {
  return `#/route/${encodeURIComponent(route)}`;
}

export function pairHref(id: number): string {
  return `#/pair/${id}`;
}
