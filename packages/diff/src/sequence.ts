/**
 * Sequence mode: align two access sequences by their keys and report the differences in hunks.
 *
 * Streaming and windowed: equal runs are skipped in step without being stored; at a mismatch
 * the next WINDOW items of each side are aligned exactly (LCS), and the hunk ends where ANCHOR
 * equal items in a row (or the end of both inputs) show the sequences are back in step.
 * Guarantee: a difference that fits in the window is reported minimally (as by diff(1)); when
 * no anchor is found in a window, that window is reported as a replaced block and the diff
 * goes on after it, so time and memory stay bounded on any input.
 */
import type { Item, Source } from './source.js';
import { editScript, type Op } from './lcs.js';

export const WINDOW = 1024;
export const ANCHOR = 4;

export interface Hunk {
  aStart: number;
  bStart: number;
  /** The aligned items: '=' pairs inside the hunk, '-' from a, '+' from b. */
  ops: { op: Op; item: Item }[];
  aCount: number;
  bCount: number;
}

export interface SequenceSink {
  /** An equal pair outside hunks (for context). */
  same(a: Item, b: Item): void;
  /** A hunk; the diff waits for what it returns (the output's backpressure). */
  hunk(h: Hunk): void | Promise<void>;
}

export async function diffSequences(A: Source, B: Source, sink: SequenceSink, window = WINDOW): Promise<{ hunks: number; same: number }> {
  let hunks = 0;
  let same = 0;
  for (;;) {
    // In step: take equal pairs while both have items.
    await Promise.all([A.ensure(1), B.ensure(1)]);
    while (A.available > 0 && B.available > 0 && A.peek().key === B.peek().key) {
      sink.same(A.take(1)[0]!, B.take(1)[0]!);
      same++;
      if (A.available === 0 || B.available === 0) await Promise.all([A.ensure(1), B.ensure(1)]);
    }
    if (A.ended && B.ended) break;
    // Out of step: align a window of each.
    const [na, nb] = await Promise.all([A.ensure(window), B.ensure(window)]);
    const wa = Math.min(na, window);
    const wb = Math.min(nb, window);
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < wa; i++) a.push(A.peek(i).key);
    for (let i = 0; i < wb; i++) b.push(B.peek(i).key);
    // Windows with no key in common (traces that differ everywhere) need no alignment.
    const inB = new Set(b);
    const ops: Op[] = a.some((k) => inB.has(k)) ? editScript(a, b) : [...a.map((): Op => '-'), ...b.map((): Op => '+')];
    // Both windows reach the end of their inputs: an equal tail then closes the hunk.
    const atEnd = A.inputDone && B.inputDone && na <= window && nb <= window;
    // The hunk ends before the first run of ANCHOR '=' (or an '=' run to the end of both inputs).
    let end = ops.length;
    for (let k = 0; k < ops.length; k++) {
      if (ops[k] !== '=') continue;
      let r = k;
      while (r < ops.length && ops[r] === '=') r++;
      if (r - k >= ANCHOR || (r === ops.length && atEnd)) {
        end = k;
        break;
      }
      k = r;
    }
    const h: Hunk = { aStart: A.next, bStart: B.next, ops: [], aCount: 0, bCount: 0 };
    for (let k = 0; k < end; k++) {
      const op = ops[k]!;
      if (op === '=') {
        const x = A.take(1)[0]!;
        B.take(1);
        h.ops.push({ op, item: x });
      } else if (op === '-') {
        h.ops.push({ op, item: A.take(1)[0]! });
        h.aCount++;
      } else {
        h.ops.push({ op, item: B.take(1)[0]! });
        h.bCount++;
      }
    }
    await sink.hunk(h);
    hunks++;
  }
  return { hunks, same };
}
