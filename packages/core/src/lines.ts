import { StringDecoder } from 'node:string_decoder';

/**
 * Called for each line with its 1-based number; `cut` is true for a last line
 * that has no line end (a file copied while it was still being written, say).
 */
type OnLine = (line: string, lineNo: number, cut?: boolean) => void;

/** A UTF-8 byte-order mark, as the decoder gives it: skipped at the start of an input. */
const BOM = 0xfeff;

/**
 * Splits UTF-8 text that comes in chunks into lines, numbered from `n + 1`:
 * `\n` and `\r\n` endings, and a last line without one. Chunks are decoded
 * one at a time, so small chunks (64 KiB) keep the strings small: such strings
 * are cheap to collect, unlike one large string per megabyte of input. A
 * byte-order mark at the start of the input (line 1) is skipped.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly onLine: OnLine,
    /** The number of the last line given so far. */
    public n = 0,
  ) {}

  /** Give every line the chunk completes. */
  push(chunk: Buffer): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = this.n === 0 && text.charCodeAt(0) === BOM ? 1 : 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.onLine(text.slice(start, end), ++this.n);
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  /** Give the last line, if the text does not end with a line end; true if there was one. */
  end(): boolean {
    let rest = this.rest + this.decoder.end();
    this.rest = '';
    if (this.n === 0 && rest.charCodeAt(0) === BOM) rest = rest.slice(1);
    if (rest.length === 0) return false;
    this.onLine(rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest, ++this.n, true);
    return true;
  }
}

/**
 * Call `onLine` for every line of a chunked text stream, with its 1-based
 * number. Accepts `\n` and `\r\n` endings; a last line without an ending
 * counts. `afterChunk` runs after each chunk's lines (for backpressure).
 * Returns the number of lines.
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer>,
  onLine: OnLine,
  afterChunk?: () => Promise<void> | void,
): Promise<number> {
  const lines = new LineSplitter(onLine);
  for await (const chunk of chunks) {
    lines.push(chunk);
    if (afterChunk) await afterChunk();
  }
  if (lines.end() && afterChunk) await afterChunk();
  return lines.n;
}
