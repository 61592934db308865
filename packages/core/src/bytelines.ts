/**
 * Reading lines as bytes, for the hot lines of every reader (issue 25). A
 * tool gives a byte scanner (`FastLine`) that recognises the lines it can
 * handle straight from the input's bytes — with no string, no event object —
 * and says where the line ends; every other line (a line the scanner does
 * not fully recognise, a line cut by a chunk boundary, the last line without
 * a newline, any non-ASCII line) goes, as its bytes, to a LineSplitter and
 * from there to the tool's general reader, which decides and words what is
 * wrong as it always did. Lines are given in input order, numbered as the
 * LineSplitter numbers them.
 *
 * Measured: every small native call per line (Buffer.indexOf, compare, copy,
 * a slice) costs more than it saves; scanners are plain loops over the bytes.
 */
import { LineSplitter } from './lines.js';

/**
 * Recognise the line that starts at `start` in `buf` (bytes up to `end`) and
 * handle it: the index of the `\n` that ends it, or -1 to leave it to the
 * general reader (then the scanner must have had no effect). It must not look
 * at bytes at or past `end`.
 */
export type FastLine = (buf: Buffer, start: number, end: number, lineNo: number) => number;

/**
 * A FastLine that takes a run of lines at once (the `\n` it gives is the
 * last one's) says here how many: byteLines counts them, then sets it back to 1.
 */
export const taken = { lines: 1 };

/**
 * Call `fast` on every line of a chunked stream, the lines it declines going
 * to `general` (a LineSplitter whose line handler is the tool's usual one).
 * `afterChunk` runs after each chunk (for backpressure). Returns the number of
 * lines.
 */
export async function forEachByteLine(chunks: AsyncIterable<Buffer>, fast: FastLine, general: LineSplitter, afterChunk?: () => Promise<void> | void): Promise<number> {
  /** The general reader holds the start of a line (cut by the end of a chunk). */
  let carrying = false;
  for await (const chunk of chunks) {
    const len = chunk.length;
    let s = 0;
    if (carrying) {
      let nl = 0;
      while (nl < len && chunk[nl] !== 10) nl++;
      if (nl === len) {
        general.push(chunk);
        if (afterChunk) await afterChunk();
        continue;
      }
      general.push(chunk.subarray(0, nl + 1));
      carrying = false;
      s = nl + 1;
    }
    s = byteLines(chunk, s, len, fast, general);
    if (s < len) {
      // The start of a line whose end is in a later chunk.
      general.push(chunk.subarray(s, len));
      carrying = true;
    }
    if (afterChunk) await afterChunk();
  }
  if (general.end() && afterChunk) await afterChunk();
  return general.n;
}

/**
 * The lines of `buf[s, len)` that end in it, each to `fast` or, declined, to
 * `general`; the index of the first byte of a line that does not end there.
 */
export function byteLines(buf: Buffer, s: number, len: number, fast: FastLine, general: LineSplitter): number {
  // The scanners see the lines up to the last `\n` only: they read no further than a line's `\n`,
  // so never past the buffer (each read past it deoptimised a scanner again: 21 times in a 1.5M-line trace).
  let stop = len;
  while (stop > s && buf[stop - 1] !== 10) stop--;
  while (s < stop) {
    const e = fast(buf, s, stop, general.n + 1);
    if (e >= 0) {
      general.n += taken.lines;
      taken.lines = 1;
      s = e + 1;
      continue;
    }
    let nl = s;
    while (buf[nl] !== 10) nl++;
    general.push(buf.subarray(s, nl + 1));
    s = nl + 1;
  }
  return s;
}
