import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';

/** The display name of an input path (`-` is standard input). */
export function inputName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

const GZIP_MAGIC0 = 0x1f;
const GZIP_MAGIC1 = 0x8b;

/** True when the bytes start with the gzip magic. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC0 && head[1] === GZIP_MAGIC1;
}

async function* rawChunks(path: string): AsyncGenerator<Buffer> {
  const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 16 });
  for await (const chunk of stream) yield chunk as Buffer;
}

/** Re-yield a first chunk that was already taken from an iterator, then the rest. */
async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/**
 * The bytes of a file (or `-` for stdin) as chunks, gunzipped when the content
 * starts with the gzip magic (detected from the bytes, not the file name).
 */
export async function* openInput(path: string): AsyncGenerator<Buffer> {
  const it = rawChunks(path)[Symbol.asyncIterator]();
  let first = await it.next();
  // Make sure at least two bytes are seen before deciding (stdin may deliver one).
  while (!first.done && first.value.length < 2) {
    const next = await it.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  const all = prepend(first.value, it);
  if (!isGzip(first.value)) {
    yield* all;
    return;
  }
  const gunzip = Readable.from(all).pipe(createGunzip());
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * Look at the first chunk of a chunk stream without losing it: returns the
 * first chunk (undefined for empty input) and a stream that yields everything.
 */
export async function peekInput(chunks: AsyncIterable<Buffer>): Promise<{ head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return { head: undefined, chunks: (async function* () {})() };
  return { head: first.value, chunks: prepend(first.value, it) };
}
