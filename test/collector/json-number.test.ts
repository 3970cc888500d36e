import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decimalOf, sameDecimal, withinTolerance } from "../../host/compare/json-number.js";
import { compareFirst, comparator, pair, response } from "./fixtures.js";

const outcome = (a: string, b: string, numericTolerance = 0) =>
  compareFirst(comparator({ numericTolerance }), pair(response(`{"k":0,"x":${a}}`), response(`{"x":${b},"k":0}`))).outcome;

/** A decimal's exact value as a bigint scaled by 10^scale, for checking against. */
function scaled(text: string, scale: number): bigint {
  const d = decimalOf(text)!;
  if (d.digits === "") return 0n;
  const value = BigInt(d.digits) * 10n ** BigInt(d.exponent + scale);
  return d.negative ? -value : value;
}

describe("JSON numbers by exact decimal value", () => {
  it("doubles written as services write them (shortest text) match exactly when the doubles are equal", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
        expect(outcome(JSON.stringify(a), JSON.stringify(b))).toBe(a === b ? "match" : "mismatch");
      }),
      { numRuns: 1000 },
    );
  });

  it("integers of any length match exactly when equal, however a double rounds them", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -3n, max: 3n }), (a, delta) => {
        expect(outcome(String(a), String(a + delta))).toBe(delta === 0n ? "match" : "mismatch");
      }),
      { numRuns: 1000 },
    );
  });

  it("the tolerance holds exactly: |a - b| <= t on the decimals, never on doubles", () => {
    const decimalText = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 12 })).map(([units, places]) => {
      const digits = (units < 0n ? -units : units).toString().padStart(places + 1, "0");
      return `${units < 0n ? "-" : ""}${places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`}`;
    });
    fc.assert(
      fc.property(decimalText, decimalText, fc.constantFrom("0.1", "0.01", "1", "0.000001", "25"), (a, b, t) => {
        const scale = 40;
        const difference = scaled(a, scale) - scaled(b, scale);
        const expected = (difference < 0n ? -difference : difference) <= scaled(t, scale);
        expect(withinTolerance(decimalOf(a)!, decimalOf(b)!, decimalOf(t)!)).toBe(expected);
        expect(outcome(a, b, Number(t))).toBe(expected ? "match" : "mismatch");
      }),
      { numRuns: 1000 },
    );
  });

  it("reads equal decimals written differently as one", () => {
    for (const [a, b] of [["1", "1.0"], ["1", "1e0"], ["1", "10e-1"], ["-0", "0"], ["0.5", "5E-1"], ["12345678901234567890", "1.234567890123456789e19"]]) {
      expect(sameDecimal(decimalOf(a as string)!, decimalOf(b as string)!), `${a} = ${b}`).toBe(true);
    }
  });
});
