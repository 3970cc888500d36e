// JSON numbers by their exact decimal value. JSON.parse turns `12345678901234567890` and
// `12345678901234567891` into the same double; a decimal with at most 15 significant digits and
// a moderate exponent never shares its double with another, so such numbers are compared as
// doubles and the others by their text, as decimals.

/** A decimal: (-1)^negative × digits × 10^exponent, digits without leading or trailing zeros ("" is zero). */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

/** The most significant digits a decimal may have and still be told apart from every other by its double. */
const SAFE_DIGITS = 15;
/** Exponents (of the last digit) within which a 15-digit decimal is a normal double. */
const SAFE_EXPONENT = 290;
/** Exponents past this (in the text) are not worked with: such numbers equal only the same text. */
const MAX_EXPONENT_DIGITS = 15;

/** A number whose double may not tell it apart from another: kept as its text, compared as a decimal. */
export class ExactNumber {
  readonly decimal: Decimal | null;

  constructor(readonly text: string) {
    this.decimal = decimalOf(text);
  }

  /** A text equal for equal values, and equal to JSON.stringify's for a number a double holds faithfully. */
  canonical(): string {
    const { decimal } = this;
    if (decimal === null) return `#${this.text}`;
    if (isSafe(decimal)) return JSON.stringify(Number(decimalText(decimal)));
    return decimalText(decimal);
  }
}

/** True when the number token `text` (JSON's grammar) is one JSON.parse reads without losing its value. */
export function isSafeNumberText(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x65 || c === 0x45) return false;
  }
  return digits <= SAFE_DIGITS;
}

/**
 * Whether the bytes hold 16 digits or dots in a row, or a digit followed by an exponent mark: what
 * a number that JSON.parse might read inexactly needs. Strings match too (a hash, a version),
 * which only means a closer look. One pass over the bytes, faster than a regular expression.
 */
export function mayHoldInexactNumbers(bytes: Buffer): boolean {
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if ((b >= 0x30 && b <= 0x39) || b === 0x2e) {
      if (++run >= 16) return true;
    } else {
      if ((b === 0x65 || b === 0x45) && run > 0) return true;
      run = 0;
    }
  }
  return false;
}

/** Every place a number token can start, and the characters a number token can hold. */
const NUMBER_TOKENS = /(?:^|[:,[])\s*(-?\d[\d.eE+-]*)/g;

/**
 * True when JSON.parse's doubles tell the JSON text's numbers apart as their decimals do (a text
 * for which mayHoldInexactNumbers is true): every
 * number has at most 15 digits, or is exactly the shortest text of its double (as
 * 0.30000000000000004 is: services that write doubles write such numbers). Then two numbers are
 * equal decimals exactly when their doubles are equal, and a double's shortest text is its number.
 */
export function doublesHoldExactly(text: string): boolean {
  // A match inside a string only makes the answer false, which is always safe.
  for (const match of text.matchAll(NUMBER_TOKENS)) {
    const token = match[1] as string;
    if (isSafeNumberText(token)) continue;
    const decimal = decimalOf(token);
    const double = Number(token);
    if (decimal === null || !Number.isFinite(double) || !sameDecimal(decimal, decimalOfDouble(double))) return false;
  }
  return true;
}

/** The decimal a number token spells, or null when its exponent is too large to work with. */
export function decimalOf(text: string): Decimal | null {
  let at = 0;
  const negative = text.charCodeAt(0) === 0x2d;
  if (negative) at++;
  let end = at;
  while (end < text.length && text.charCodeAt(end) !== 0x65 && text.charCodeAt(end) !== 0x45) end++;
  const mantissa = text.slice(at, end);
  const dot = mantissa.indexOf(".");
  const whole = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const fractionDigits = dot < 0 ? 0 : mantissa.length - dot - 1;
  let written = 0;
  if (end < text.length) {
    const exponentText = text.slice(end + 1).replace(/^\+/, "");
    const unsigned = exponentText.replace(/^-?0*/, "");
    if (unsigned.length > MAX_EXPONENT_DIGITS) return null;
    written = Number(exponentText);
  }
  const first = whole.search(/[1-9]/);
  if (first < 0) return { negative: false, digits: "", exponent: 0 };
  let last = whole.length;
  while (whole.charCodeAt(last - 1) === 0x30) last--;
  return { negative, digits: whole.slice(first, last), exponent: written - fractionDigits + (whole.length - last) };
}

/** The decimal of a double, as its shortest round-trip text spells it. */
export function decimalOfDouble(value: number): Decimal {
  return decimalOf(String(value)) as Decimal;
}

export function sameDecimal(a: Decimal, b: Decimal): boolean {
  return a.negative === b.negative && a.digits === b.digits && (a.digits === "" || a.exponent === b.exponent);
}

function isSafe(decimal: Decimal): boolean {
  return decimal.digits.length <= SAFE_DIGITS && Math.abs(decimal.exponent) <= SAFE_EXPONENT;
}

function decimalText(decimal: Decimal): string {
  if (decimal.digits === "") return "0";
  return `${decimal.negative ? "-" : ""}${decimal.digits}e${decimal.exponent}`;
}

/** Where a nonzero decimal's most significant digit sits: 10^(top-1) <= |x| < 10^top. */
function top(decimal: Decimal): number {
  return decimal.exponent + decimal.digits.length;
}

/** Decimal places the exact difference may span; past it, orders of magnitude decide. */
const MAX_EXACT_SPAN = 2000;

/**
 * Whether |a - b| <= tolerance, exactly. Within MAX_EXACT_SPAN decimal places the difference is
 * worked out with integers. Beyond, only numbers far below the tolerance are within it: the others
 * count as different (never a match that was not proved).
 */
export function withinTolerance(a: Decimal, b: Decimal, tolerance: Decimal): boolean {
  if (sameDecimal(a, b)) return true;
  if (tolerance.digits === "") return false;
  const present = [a, b, tolerance].filter((d) => d.digits !== "");
  const lowest = Math.min(...present.map((d) => d.exponent));
  const highest = Math.max(...present.map(top));
  if (highest - lowest <= MAX_EXACT_SPAN) {
    const scaled = (d: Decimal): bigint => (d.digits === "" ? 0n : BigInt((d.negative ? "-" : "") + d.digits) * 10n ** BigInt(d.exponent - lowest));
    const difference = scaled(a) - scaled(b);
    return (difference < 0n ? -difference : difference) <= scaled(tolerance);
  }
  const largest = Math.max(...[a, b].filter((d) => d.digits !== "").map(top));
  // |a - b| < 2 × 10^largest <= 10^(top(t) - 1) <= t.
  return largest < top(tolerance) - 1;
}
