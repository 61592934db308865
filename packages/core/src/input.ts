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

async function* rawChunks(path: string, chunkSize: number): AsyncGenerator<Buffer> {
  const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: chunkSize });
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
 * Gunzip a chunk stream when its content starts with the gzip magic
 * (detected from the bytes, not a file name); otherwise pass it through.
 */
export async function* maybeGunzip(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { head, chunks: all } = await peekInput(chunks, 2);
  if (head === undefined) return;
  if (!isGzip(head)) {
    yield* all;
    return;
  }
  const gunzip = Readable.from(all).pipe(createGunzip());
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * The bytes of a file (or `-` for stdin) as chunks, gunzipped when they are gzip.
 * Files are read `chunkSize` bytes at a time (64 KiB suits line-by-line readers;
 * the block parser of mmio-parse reads 1 MiB at a time).
 */
export function openInput(path: string, chunkSize = 1 << 16): AsyncGenerator<Buffer> {
  return maybeGunzip(rawChunks(path, chunkSize));
}

/**
 * Look at the start of a chunk stream without losing it: returns at least
 * `min` bytes (fewer only at the end of input; undefined for empty input) and
 * a stream that yields everything.
 */
export async function peekInput(
  chunks: AsyncIterable<Buffer>,
  min = 64,
): Promise<{ head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  let head: Buffer | undefined;
  while (head === undefined || head.length < min) {
    const r = await it.next();
    if (r.done) break;
    head = head === undefined ? r.value : Buffer.concat([head, r.value]);
  }
  if (head === undefined) return { head: undefined, chunks: (async function* () {})() };
  return { head, chunks: prepend(head, it) };
}
