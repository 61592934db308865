import { UsageError } from './errors.js';
import { parseNumber } from './hex.js';

/** A half-open range [start, end) of addresses or offsets. */
export interface Range {
  start: bigint;
  end: bigint;
}

/**
 * Parse `START-END` (END exclusive) or `START+LENGTH`; numbers in hex (`0x…`)
 * or decimal. Throws UsageError naming the option for anything else or an
 * empty range.
 */
export function parseRange(text: string, option: string): Range {
  // A lone address: the accesses that touch that byte.
  const one = parseNumber(text);
  if (one !== undefined) return { start: one, end: one + 1n };
  const m = /^\s*([^+\-\s]+)\s*([+-])\s*([^+\-\s]+)\s*$/.exec(text);
  if (!m) throw new UsageError(`${option} ${JSON.stringify(text)}: expected ADDR, START-END or START+LENGTH (hex 0x… or decimal)`);
  const a = parseNumber(m[1]!);
  const b = parseNumber(m[3]!);
  if (a === undefined) throw new UsageError(`${option} ${JSON.stringify(text)}: ${JSON.stringify(m[1])} is not a number`);
  if (b === undefined) throw new UsageError(`${option} ${JSON.stringify(text)}: ${JSON.stringify(m[3])} is not a number`);
  const end = m[2] === '+' ? a + b : b;
  if (end <= a) throw new UsageError(`${option} ${JSON.stringify(text)}: the range is empty (end must be above start)`);
  return { start: a, end };
}

/** True when any byte of [at, at + width) lies in the range. */
export function overlaps(r: Range, at: bigint, width: number): boolean {
  return at < r.end && at + BigInt(width) > r.start;
}
