import { createReadStream, fstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError } from './errors.js';
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

/**
 * The whole content of a file a tool needs at once (an image, a register
 * database): `-` is standard input. A regular file, a pipe or a FIFO is read
 * up to `limit` bytes (past that: an InputError naming the file); a device
 * (/dev/zero, a terminal) or a directory is refused before anything is read.
 */
export async function readWhole(path: string, limit: number): Promise<Buffer> {
  const name = inputName(path);
  let st: Stats;
  try {
    st = path === '-' ? fstatSync(0) : await stat(path);
  } catch (e) {
    throw e;
  }
  if (st.isDirectory()) throw new InputError('is a directory', name);
  if (!st.isFile() && !st.isFIFO() && !st.isSocket()) throw new InputError('is a device, not a file: give a file (or a pipe)', name);
  if (st.isFile() && st.size > limit) throw new InputError(`is ${st.size} bytes, more than the ${limit} this tool reads`, name);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of path === '-' ? process.stdin : createReadStream(path)) {
    n += (c as Buffer).length;
    if (n > limit) throw new InputError(`is more than the ${limit} bytes this tool reads`, name);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The text of a regular file of at most `limit` bytes (a register database, say); anything else is an InputError. */
export function readTextFileSync(path: string, limit: number): string {
  const st = statSync(path);
  if (st.isDirectory()) throw new InputError('is a directory', path);
  if (!st.isFile()) throw new InputError('is not a regular file', path);
  if (st.size > limit) throw new InputError(`is ${st.size} bytes, more than the ${limit} this tool reads`, path);
  return readFileSync(path, 'utf8');
}
