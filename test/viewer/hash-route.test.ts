import { describe, expect, it } from "vitest";
import { pairHref, parseHash, routeHref } from "../../viewer/src/hash-route.js";

const route = (name: string, target: string | null = null, problems: string[] = []) => ({ kind: "route", route: name, target, problems });

describe("the page's deep links", () => {
  it.each([
    ["", { kind: "overview" }],
    ["#", { kind: "overview" }],
    ["#/", { kind: "overview" }],
    ["#/route/%2Fusers%2F%7Bid%7D", route("/users/{id}")],
    ["#/route/%2Fusers%2F%7Bid%7D?target=v3", route("/users/{id}", "v3")],
    ["#/route/%2Fusers%2F%7Bid%7D?target=", route("/users/{id}", null, ['target must be a target\'s name (1 to 32 of a-z, 0-9, _ and -), not ""'])],
    ["#/route/%2Fusers%2F%7Bid%7D?target=V3", route("/users/{id}", null, ['target must be a target\'s name (1 to 32 of a-z, 0-9, _ and -), not "V3"'])],
    ["#/route/%2Fusers%2F%7Bid%7D?target=v2&target=v3", route("/users/{id}", null, ['"target" is given more than once'])],
    ["#/route/%2Fusers%2F%7Bid%7D?target=" + "v".repeat(33), route("/users/{id}", null, [`target must be a target's name (1 to 32 of a-z, 0-9, _ and -), not "${"v".repeat(33)}"`])],
    ["#/route/%2Fx?target=%3Cscript%3E", route("/x", null, ['target must be a target\'s name (1 to 32 of a-z, 0-9, _ and -), not "<script>"'])],
    ["#/route/%2Fx?target[]=v2&sort=1", route("/x", null, ['"target[]" is not a setting of a route\'s view (only target)', '"sort" is not a setting of a route\'s view (only target)'])],
    ["#/route/%2Fx?target=v2&target[a]=1", route("/x", "v2", ['"target[a]" is not a setting of a route\'s view (only target)'])],
    ["#/pair/17", { kind: "pair", id: 17 }],
    ["#/pair/0", { kind: "unknown", hash: "/pair/0" }],
    ["#/pair/-1", { kind: "unknown", hash: "/pair/-1" }],
    ["#/pair/1e3", { kind: "unknown", hash: "/pair/1e3" }],
    ["#/pair/1234567890123456", { kind: "unknown", hash: "/pair/1234567890123456" }],
    ["#/route/%E0%A4%A", { kind: "unknown", hash: "/route/%E0%A4%A" }],
    ["#/route/", { kind: "unknown", hash: "/route/" }],
    ["#/route/?target=v2", { kind: "unknown", hash: "/route/?target=v2" }],
    ["#/settings", { kind: "unknown", hash: "/settings" }],
  ])("%s", (hash, view) => {
    expect(parseHash(hash)).toEqual(view);
  });

  it("a huge target is refused, and the message quotes only its start", () => {
    expect(parseHash(`#/route/%2Fx?target=${"v".repeat(100_000)}`)).toEqual(route("/x", null, [`target must be a target's name (1 to 32 of a-z, 0-9, _ and -), not "${"v".repeat(40)}…"`]));
  });

  it("a route link opens the same route and target, whatever the route's characters", () => {
    for (const name of ["/users/{id}", "/a b/c?d#e", "<script>alert(1)</script>", "/%2e%2e/x", "/x?target=v9", "/" + "x".repeat(300)]) {
      expect(parseHash(routeHref(name))).toEqual(route(name));
      expect(parseHash(routeHref(name, "v2"))).toEqual(route(name, "v2"));
    }
    expect(parseHash(pairHref(42))).toEqual({ kind: "pair", id: 42 });
  });
});
