import { describe, expect, it } from "vitest";
import { headerRows } from "../../viewer/src/header-rows.js";

describe("headerRows", () => {
  it("one row per name, case folded, repeated headers joined, the collector's compared differences marked", () => {
    const rows = headerRows(
      [
        { name: "Content-Type", value: "application/json" },
        { name: "set-cookie", value: "[redacted]" },
        { name: "vary", value: "accept" },
        { name: "vary", value: "origin" },
      ],
      [
        { name: "content-type", value: "text/html" },
        { name: "x-new", value: "1" },
      ],
      [{ name: "content-type", primary: "application/json", shadow: "text/html" }],
    );
    expect(rows).toEqual([
      { name: "content-type", primary: "application/json", shadow: "text/html", compared: true },
      { name: "set-cookie", primary: "[redacted]", shadow: null, compared: false },
      { name: "vary", primary: "accept, origin", shadow: null, compared: false },
      { name: "x-new", primary: null, shadow: "1", compared: false },
    ]);
  });

  it("a compared header neither side captured still gets its row, from the comparison", () => {
    expect(headerRows([], null, [{ name: "etag", primary: '"a"', shadow: null }])).toEqual([{ name: "etag", primary: '"a"', shadow: null, compared: true }]);
  });
});
