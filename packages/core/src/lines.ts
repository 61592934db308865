import { StringDecoder } from 'node:string_decoder';

type OnLine = (line: string, lineNo: number) => void;

/**
 * Call `onLine` for every line of a text that ends in `\n` (or `\r\n`), numbered
 * from `n + 1`. Returns the number of the last line, and in `tail.start` where
 * the unfinished last line begins.
 */
function wholeLines(text: string, onLine: OnLine, n: number, tail: { start: number }): number {
  let start = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    onLine(text.slice(start, end), ++n);
    start = nl + 1;
  }
  tail.start = start;
  return n;
}

/** The last line of a text, which has no line end. */
function lastLine(rest: string, onLine: OnLine, n: number): number {
  if (rest.length === 0) return n;
  onLine(rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest, ++n);
  return n;
}

/**
 * Call `onLine` for every line of a complete text, numbered from `n + 1`:
 * `\n` and `\r\n` endings, and a last line without one. Returns the last number.
 */
export function eachLine(text: string, onLine: OnLine, n = 0): number {
  const tail = { start: 0 };
  n = wholeLines(text, onLine, n, tail);
  return lastLine(text.slice(tail.start), onLine, n);
}

/**
 * Call `onLine` for every line of a chunked text stream, with its 1-based
 * number. Accepts `\n` and `\r\n` endings; a last line without an ending
 * counts. `afterChunk` runs after each chunk's lines (for backpressure).
 * Returns the number of lines.
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  onLine: OnLine,
  afterChunk?: () => Promise<void> | void,
): Promise<number> {
  const decoder = new StringDecoder('utf8');
  const tail = { start: 0 };
  let rest = '';
  let n = 0;
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    n = wholeLines(text, onLine, n, tail);
    rest = text.slice(tail.start);
    if (afterChunk) await afterChunk();
  }
  const before = n;
  n = lastLine(rest + decoder.end(), onLine, n);
  if (n > before && afterChunk) await afterChunk();
  return n;
}
