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
      return whole + '.' + (f.length < digits ? ZEROS.slice(0, digits - f.length) + f : f);
    }
  }
  return Number.isFinite(v) ? String(v) : 'null';
}
