import { ExactDecoder } from './utf8.js';

/**
 * Called for each line with its 1-based number; `cut` is true for a last line
 * that has no line end (a file copied while it was still being written, say).
 */
type OnLine = (line: string, lineNo: number, cut?: boolean) => void;

/** A UTF-8 byte-order mark, as the decoder gives it: skipped at the start of an input. */
const BOM = 0xfeff;

/** The longest line read (in characters): longer ones are skipped without being held whole. */
export const MAX_LINE = 1 << 20;

/** Called for a line longer than the limit, with its number and length; it was not kept. */
export type OnLongLine = (lineNo: number, length: number) => void;

/**
 * Splits UTF-8 text that comes in chunks into lines, numbered from `n + 1`:
 * `\n` and `\r\n` endings, and a last line without one. Chunks are decoded
 * one at a time, so small chunks (64 KiB) keep the strings small: such strings
 * are cheap to collect, unlike one large string per megabyte of input. A
 * byte-order mark at the start of the input (line 1) is skipped. A line is
 * held in pieces until its end comes, so a long line costs linear time; past
 * `maxLine` characters its pieces are dropped and `onLong` is told instead.
 */
export class LineSplitter {
  /** UTF-8, with the bytes of invalid sequences kept (U+DC80–U+DCFF), not made U+FFFD: names stay byte-exact. */
  private readonly decoder = new ExactDecoder();
  /** The start of a line whose end has not come yet, in pieces, and their length. */
  private pieces: string[] = [];
  private held = 0;
  /** The line being read is past maxLine: its characters are counted, not kept. */
  private long = false;

  constructor(
    private readonly onLine: OnLine,
    /** The number of the last line given so far. */
    public n = 0,
    private readonly maxLine = MAX_LINE,
    private readonly onLong?: OnLongLine,
  ) {}

  private hold(text: string): void {
    this.held += text.length;
    if (this.long) return;
    if (this.held > this.maxLine && this.onLong) {
      this.long = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(text);
  }

  /** The held start of a line and `tail`, as the whole line (without its \r), or undefined when it was too long (onLong told). */
  private take(tail: string, cut: boolean): string | undefined {
    const length = this.held + tail.length;
    const wasLong = this.long || (length > this.maxLine && this.onLong !== undefined);
    let line: string | undefined;
    if (!wasLong) line = this.pieces.length === 0 ? tail : this.pieces.join('') + tail;
    this.pieces = [];
    this.held = 0;
    this.long = false;
    if (line === undefined) {
      this.onLong!(++this.n, length);
      return undefined;
    }
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (cut) this.onLine(line, ++this.n, true);
    else this.onLine(line, ++this.n);
    return line;
  }

  /** Give every line the chunk completes. */
  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.n === 0 && this.held === 0 && text.charCodeAt(0) === BOM) text = text.slice(1);
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      if (text.length > 0) this.hold(text);
      return;
    }
    if (this.held > 0 || this.long) {
      this.take(text.slice(0, nl), false);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    const onLine = this.onLine;
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start > this.maxLine && this.onLong) this.onLong(++this.n, end - start);
      else onLine(text.slice(start, end), ++this.n);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) this.hold(text.slice(start));
  }

  /** Give the last line, if the text does not end with a line end; true if there was one. */
  end(): boolean {
    let rest = this.decoder.end();
    if (this.n === 0 && this.held === 0 && rest.charCodeAt(0) === BOM) rest = rest.slice(1);
    if (this.held === 0 && !this.long && rest.length === 0) return false;
    this.take(rest, true);
    return true;
  }
}

/**
 * Call `onLine` for every line of a chunked text stream, with its 1-based
 * number. Accepts `\n` and `\r\n` endings; a last line without an ending
 * counts. `afterChunk` runs after each chunk's lines (for backpressure).
 * A line longer than MAX_LINE goes to `onLong` instead (without onLong, it is read whole).
 * Returns the number of lines.
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer>,
  onLine: OnLine,
  afterChunk?: () => Promise<void> | void,
  onLong?: OnLongLine,
): Promise<number> {
  const lines = new LineSplitter(onLine, 0, MAX_LINE, onLong);
  for await (const chunk of chunks) {
    lines.push(chunk);
    if (afterChunk) await afterChunk();
  }
  if (lines.end() && afterChunk) await afterChunk();
  return lines.n;
}
