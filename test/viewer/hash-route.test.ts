import { describe, expect, it } from "vitest";
import { pairHref, parseHash, routeHref } from "../../viewer/src/hash-route.js";

describe("the page's deep links", () => {
  it.each([
    ["", { kind: "overview" }],
    ["#", { kind: "overview" }],
    ["#/", { kind: "overview" }],
    ["#/route/%2Fusers%2F%7Bid%7D", { kind: "route", route: "/users/{id}" }],
    ["#/pair/17", { kind: "pair", id: 17 }],
    ["#/pair/0", { kind: "unknown", hash: "/pair/0" }],
    ["#/pair/-1", { kind: "unknown", hash: "/pair/-1" }],
    ["#/pair/1e3", { kind: "unknown", hash: "/pair/1e3" }],
    ["#/pair/1234567890123456", { kind: "unknown", hash: "/pair/1234567890123456" }],
    ["#/route/%E0%A4%A", { kind: "unknown", hash: "/route/%E0%A4%A" }],
    ["#/route/", { kind: "unknown", hash: "/route/" }],
    ["#/settings", { kind: "unknown", hash: "/settings" }],
  ])("%s", (hash, view) => {
    expect(parseHash(hash)).toEqual(view);
  });

  it("a route link opens the same route, whatever its characters", () => {
    for (const route of ["/users/{id}", "/a b/c?d#e", "<script>alert(1)</script>", "/%2e%2e/x", "/" + "x".repeat(300)]) {
      expect(parseHash(routeHref(route))).toEqual({ kind: "route", route });
    }
    expect(parseHash(pairHref(42))).toEqual({ kind: "pair", id: 42 });
  });
});
