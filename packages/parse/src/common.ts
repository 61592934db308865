import { decimalNumber, type MmioEvent } from '@mmio-tools/core';

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

const SHORT_PCI = /^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const FULL_PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/** `03:00.0` becomes `0000:03:00.0`; PCI addresses are lowercased; other names stay as printed. */
export function normalizeDev(name: string): string {
  if (name === lastDev) return lastNormal;
  lastDev = name;
  if (FULL_PCI.test(name)) lastNormal = name.toLowerCase();
  else if (SHORT_PCI.test(name)) lastNormal = '0000:' + name.toLowerCase();
  else lastNormal = name;
  return lastNormal;
}
/** The last name normalized and its result: accesses come in long runs to one device. */
let lastDev = '';
let lastNormal = '';

/** `sec` and `usec` digit strings to seconds. */
export function seconds(sec: string, frac: string): number {
  return decimalNumber(sec + '.' + frac, 0, sec.length + frac.length + 1);
}
