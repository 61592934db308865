import { canonicalDev, decimalNumber, type AccessEvent, type MmioEvent } from '@mmio-tools/core';

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

/**
 * A memory_region_ops read whose value is wider than the access: QEMU traces what
 * the device's read function returned, before the memory core keeps the low
 * `width` bytes for the guest (memory_region_read_accessor): a 2-byte read of
 * pci-conf-data returns 0xffffffff, HPET returns its 64-bit registers. `value`
 * becomes the low bytes the guest saw; the value as printed stays in `raw`.
 * A value past 64 bits is left for the caller's check to refuse.
 */
export function keepGuestBytes(ev: AccessEvent): void {
  if (ev.value.length - 2 <= ev.width * 2 || ev.value.length > 18) return;
  ev.raw = ev.value;
  ev.value = '0x' + (BigInt(ev.value) & ((1n << BigInt(ev.width * 8)) - 1n)).toString(16);
}
