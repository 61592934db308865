import { StringDecoder } from 'node:string_decoder';

/**
 * Call `onLine` for every line of a chunked text stream, with its 1-based
 * number. Accepts `\n` and `\r\n` endings; a last line without an ending
 * counts. `afterChunk` runs after each chunk's lines (for backpressure).
 * Returns the number of lines.
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  onLine: (line: string, lineNo: number) => void,
  afterChunk?: () => Promise<void> | void,
): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(start, end), ++n);
      start = nl + 1;
    }
    rest = text.slice(start);
    if (afterChunk) await afterChunk();
  }
  rest += decoder.end();
  if (rest.length > 0) {
    onLine(rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest, ++n);
    if (afterChunk) await afterChunk();
  }
  return n;
}
