import { canonicalDev, decimalNumber, type MmioEvent } from '@mmio-tools/core';

/** A line that names a known trace event but breaks its format. */
export class MalformedLine extends Error {
  override name = 'MalformedLine';
}

/**
 * What a line parser says about a line: an event; SKIP for a line it knows and
 * leaves out (another QEMU event, a VERSION header, a continuation line); or
 * undefined when it does not recognise the line at all.
 */
export const SKIP = null;
export type LineResult = MmioEvent | typeof SKIP | undefined;

export const WIDTHS = new Set([1, 2, 4, 8]);

/** Throw MalformedLine unless `w` is an access width. */
export function checkWidth(event: string, w: number): number {
  if (!WIDTHS.has(w)) throw new MalformedLine(`${event}: width ${w} is not 1, 2, 4 or 8`);
  return w;
}

/** canonicalDev, for the names of a trace: accesses come in long runs to one device, so the last result is kept. */
export function normalizeDev(name: string): string {
  if (name !== lastDev) {
    lastDev = name;
    lastNormal = canonicalDev(name);
  }
  return lastNormal;
}
/** The last name normalized and its result: accesses come in long runs to one device. */
let lastDev = '';
let lastNormal = '';

/** A line (or part of one) as an error message quotes it: at most 80 characters, cut with `...`. */
export function excerpt(text: string): string {
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

/** `sec` and `usec` digit strings to seconds. */
export function seconds(sec: string, frac: string): number {
  return decimalNumber(sec + '.' + frac, 0, sec.length + frac.length + 1);
}

/** A decimal integer of a trace as a number, or MalformedLine when it is past 2^53 (not exact as a JSON number). */
export function safeInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new MalformedLine(`${what} ${JSON.stringify(excerpt(text))} is not an integer below 2^53`);
  return n;
}

/** A time in seconds, or MalformedLine when it is not finite or its whole seconds are past 2^53. */
export function checkTime(t: number, text: string): number {
  if (!(t <= Number.MAX_SAFE_INTEGER)) throw new MalformedLine(`time ${JSON.stringify(excerpt(text))} is out of range`);
  return t;
}
