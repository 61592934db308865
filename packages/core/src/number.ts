/**
 * JSON text of a number, as String() prints it, but fast for the common case.
 *
 * Timestamps are the costliest part of writing an event: V8's shortest
 * round-trip formatting of a double like 1581830843.006737 takes longer than
 * building the rest of the line. A time read from a trace is a whole number of
 * microseconds, so it can be printed from that integer — and this gives exactly
 * String(v):
 *   - v < 2^52·10^-6, so N = round(v·10^6) < 2^53 is exact, and N / 10^6 (one
 *     correctly rounded division of exact values) === v means that the decimal
 *     N·10^-6 reads back as v;
 *   - near such a v doubles are less than 10^-6 apart, so no decimal with fewer
 *     digits reads back as v and none with as many is closer: N·10^-6 without
 *     trailing zeros is the shortest round-trip form, which String(v) prints
 *     (in plain notation, since 10^-6 ≤ v < 10^21).
 * Anything else (integers, other fractions, NaN) takes the general path.
 */
const MICRO_LIMIT = 2 ** 52 / 1e6; // about 4.5e9 seconds, the year 2112 as a Unix time
const ZEROS = '000000';
/** The whole seconds of the last time and their text: times come in runs within one second. */
let lastWhole = -1;
let lastWholeText = '';

export function numberText(v: number): string {
  if (v >= 1e-6 && v < MICRO_LIMIT && !Number.isInteger(v)) {
    const n = Math.round(v * 1e6);
    if (n / 1e6 === v) {
      const whole = Math.floor(n / 1e6);
      let frac = n - whole * 1e6;
      let digits = 6;
      while (frac % 10 === 0) {
        frac /= 10;
        digits--;
      }
      const f = String(frac);
      if (whole !== lastWhole) {
        lastWhole = whole;
        lastWholeText = whole + '.';
      }
      return lastWholeText + (f.length < digits ? ZEROS.slice(0, digits - f.length) + f : f);
    }
  }
  return Number.isFinite(v) ? String(v) : 'null';
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The number whose decimal digits, read as one integer, are `n`, with the last
 * `fracDigits` of them after the point — exactly as Number() reads that text —
 * or undefined when this cannot be done exactly. While the digits stay below
 * 2^53 every step of reading them is exact (`n = n * 10 + d`); n / 10^k (10^k
 * is exact for k <= 22) is then one correctly rounded division of exact values,
 * which is the correctly rounded value of the decimal that Number() gives.
 */
export function scaledDecimal(n: number, fracDigits: number): number | undefined {
  return n <= Number.MAX_SAFE_INTEGER && fracDigits <= 22 ? n / POW10[fracDigits]! : undefined;
}

/**
 * The number `DIGITS[.DIGITS]` at text[start, end), exactly as Number() reads
 * it, but several times faster (see scaledDecimal). Anything else (too many
 * digits, signs, exponents, malformed text) goes to Number().
 */
export function decimalNumber(text: string, start: number, end: number): number {
  if (end - start <= 23) {
    let n = 0;
    let point = -1;
    let i = start;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
      else if (c === 46 && point === -1) point = i;
      else break;
    }
    if (i === end && point !== start && point !== end - 1) {
      const v = scaledDecimal(n, point === -1 ? 0 : end - point - 1);
      if (v !== undefined) return v;
    }
  }
  return Number(text.slice(start, end));
}
