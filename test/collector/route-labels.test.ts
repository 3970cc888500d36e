import { describe, expect, it } from "vitest";
import { foldRoute, RouteLabeler } from "../../host/routes/route-labels.js";

describe("route labels", () => {
  it.each([
    ["/users/42", [], "/users/{id}"],
    ["/users/42?expand=1", [], "/users/{id}"],
    ["/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6/items", [], "/orders/{id}/items"],
    ["/blobs/0123456789abcdef0123", [], "/blobs/{id}"],
    ["/blobs/abcdef", [], "/blobs/abcdef"],
    ["/v2/health", [], "/v2/health"],
    ["/", [], "/"],
    ["/users/alice", ["/users/{name}"], "/users/{name}"],
    ["/users/alice/posts", ["/users/{name}"], "/users/alice/posts"],
    ["/users/7", ["/users/{name}", "/users/{id}"], "/users/{name}"],
  ] as [string, string[], string][])("%s with templates %j → %s", (path, templates, expected) => {
    expect(foldRoute(path, templates.map((t) => t.split("/").slice(1)))).toBe(expected);
  });

  it("caps distinct routes; the rest are other", () => {
    const labeler = new RouteLabeler([], 2);
    expect(labeler.label("/a")).toBe("/a");
    expect(labeler.label("/b/1")).toBe("/b/{id}");
    expect(labeler.label("/c")).toBe("other");
    expect(labeler.label("/b/2")).toBe("/b/{id}");
    expect(labeler.label("/a")).toBe("/a");
  });

  it("remembers paths bounded in bytes: 10,000 distinct 8 KiB paths, queries included, hold nothing", () => {
    const labeler = new RouteLabeler([], 100);
    for (let i = 0; i < 10_000; i++) {
      expect(labeler.label(`/items/${i}/${"p".repeat(8000)}?q=${"x".repeat(200)}${i}`)).toBe(`/items/{id}/${"p".repeat(188)}…`);
    }
    expect(labeler.remembered).toEqual({ paths: 0, chars: 0 });
    // Short paths differing only in their query are one path to remember.
    for (let i = 0; i < 1000; i++) labeler.label(`/users/7?page=${i}&secret=${"s".repeat(1000)}`);
    expect(labeler.remembered).toEqual({ paths: 1, chars: "/users/7".length });
  });
});
