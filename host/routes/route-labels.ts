// Route labels: bounded in number, because each one is a set of Prometheus series.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const LONG_HEX = /^[0-9a-f]{16,}$/i;
const MAX_ROUTE_CHARS = 200;
export const OTHER_ROUTE = "other";
const REMEMBERED_PATHS = 10_000;
/** Paths (without their query) longer than this are labelled afresh each time, never remembered. */
const REMEMBERED_PATH_CHARS = 256;

export function isIdSegment(segment: string): boolean {
  return NUMBER.test(segment) || UUID.test(segment) || LONG_HEX.test(segment);
}

/** Parses `/users/{id}/orders` into segments, where `{...}` matches any one segment. */
export function parseTemplate(template: string): string[] | string {
  if (!template.startsWith("/")) return "must start with /";
  return template.split("/").slice(1);
}

function isPlaceholder(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}") && segment.length > 2;
}

/** The request path without query or fragment, split into segments after the leading `/`. */
function pathSegments(path: string): string[] {
  const end = path.search(/[?#]/);
  return (end < 0 ? path : path.slice(0, end)).split("/").slice(1);
}

/** The label for a path: the first matching template, else the path with ids folded to `{id}`. */
export function foldRoute(path: string, templates: readonly (readonly string[])[]): string {
  const segments = pathSegments(path);
  for (const template of templates) {
    if (template.length === segments.length && template.every((t, i) => isPlaceholder(t) || t === segments[i])) {
      return "/" + template.join("/");
    }
  }
  const folded = "/" + segments.map((segment) => (isIdSegment(segment) ? "{id}" : segment)).join("/");
  return folded.length > MAX_ROUTE_CHARS ? folded.slice(0, MAX_ROUTE_CHARS) + "…" : folded;
}

/** Remembers the labels given out; past `maxRoutes` distinct ones, new paths become `other`. */
export class RouteLabeler {
  private readonly seen = new Set<string>();
  private readonly templates: string[][];

  constructor(
    templates: readonly string[],
    private readonly maxRoutes: number,
  ) {
    this.templates = templates.map((template) => {
      const parsed = parseTemplate(template);
      if (typeof parsed === "string") throw new Error(`route template "${template}" ${parsed}`);
      return parsed;
    });
  }

  /**
   * Labels of paths seen (their query left out, as the label ignores it), bounded in bytes: at
   * most REMEMBERED_PATHS of at most REMEMBERED_PATH_CHARS, and not filled further once full.
   */
  private readonly byPath = new Map<string, string>();
  private rememberedChars = 0;

  label(path: string): string {
    const end = path.search(/[?#]/);
    const key = end < 0 ? path : path.slice(0, end);
    const known = this.byPath.get(key);
    if (known !== undefined) return known;
    const route = this.assign(key);
    if (key.length <= REMEMBERED_PATH_CHARS && this.byPath.size < REMEMBERED_PATHS) {
      this.byPath.set(key, route);
      this.rememberedChars += key.length;
    }
    return route;
  }

  /** Characters of the paths remembered: what the cache holds, at most 10,000 × 256. */
  get remembered(): { paths: number; chars: number } {
    return { paths: this.byPath.size, chars: this.rememberedChars };
  }

  private assign(path: string): string {
    const route = foldRoute(path, this.templates);
    if (this.seen.has(route)) return route;
    if (this.seen.size >= this.maxRoutes) return OTHER_ROUTE;
    this.seen.add(route);
    return route;
  }
}
