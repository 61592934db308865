import { createReadStream, fstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { InputError } from './errors.js';
import { progressFor } from './progress.js';
import { followChunks } from './follow.js';
import { sniffInput } from './sniff.js';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';

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

function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Bytes read so far by this process, and whether V8's young generation may still grow.
 *
 * V8 doubles its young generation each time enough objects have survived its
 * collections, up to 16 MiB a half: over a long run of the byte path (few
 * objects, but each chunk's buffers in flight survive one) it kept doubling, so
 * the peak RSS grew with the trace's length, not with the work (the one-process
 * replay: 90 MB for the 2M-line trace, 111 MB for 8M lines; mmio-replay in a
 * pipeline 73 -> 81 MB). After the first 64 MiB of input the young generation
 * keeps the size it has reached by then: 90 and 90 MB, 72 and 72 MB; the CPU
 * time is the same (a tool that allocates much has grown it to the full size by then).
 */
let readSoFar = 0;
let youngFixed = false;
const FIX_YOUNG_AFTER = 64 << 20;

function countRead(n: number): void {
  readSoFar += n;
  if (!youngFixed && readSoFar >= FIX_YOUNG_AFTER) {
    youngFixed = true;
    setFlagsFromString('--semi-space-growth-factor=1');
  }
}

function counted(onRead?: (n: number) => void): (n: number) => void {
  return (n) => {
    countRead(n);
    onRead?.(n);
  };
}

async function* rawChunks(path: string, chunkSize: number, given?: (n: number) => void, follow = false): AsyncGenerator<Buffer> {
  const onRead = counted(given);
  // Standard input that is a directory (`< dir`) reads as empty: say what it is.
  if (path === '-' && stdinIsDirectory()) throw new InputError('is a directory', inputName(path));
  // --follow: a file is read as it grows (stdin, a pipe, is read as it comes anyway).
  if (follow && path !== '-' && statSync(path).isFile()) {
    yield* followChunks(path, chunkSize, onRead);
    return;
  }
  // A regular file read in large chunks (256 KiB or more): the next read is under way while this chunk is worked on.
  if (path !== '-' && chunkSize >= 1 << 18 && isRegularFile(path)) {
    yield* fileChunks(path, chunkSize, onRead);
    return;
  }
  const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream) {
      onRead?.((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  } catch (e) {
    // A read error names no file (`EISDIR: illegal operation on a directory, read`): this one.
    const se = e as { code?: unknown; path?: unknown };
    if (se && typeof se === 'object' && typeof se.code === 'string' && se.path === undefined) se.path = inputName(path);
    throw e;
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // the stream says what is wrong with the path
  }
}

/**
 * A regular file's bytes, `size` at a time, with two reads under way: the
 * reader works on one chunk while the next ones are read (a stream reads the
 * next chunk only once this one is taken; on a busy machine the thread that
 * reads it may wait for a core: measured idle 0.2-0.6 s of a 175 MB trace).
 */
async function* fileChunks(path: string, size: number, onRead?: (n: number) => void): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  let pos = 0;
  const read = (at: number) => {
    const p = fh.read(Buffer.allocUnsafe(size), 0, size, at);
    p.catch(() => undefined); // handled where it is awaited, not an unhandled rejection meanwhile
    return p;
  };
  let ahead = [read(0), read(size)];
  try {
    for (;;) {
      const { bytesRead, buffer } = await ahead[0]!;
      if (bytesRead === 0) return;
      pos += bytesRead;
      // A short read (the end of the file, or a file that changes): the reads ahead start again from here.
      ahead = bytesRead === size ? [ahead[1]!, read(pos + size)] : (await Promise.allSettled(ahead), [read(pos), read(pos + size)]);
      onRead?.(bytesRead);
      yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await Promise.allSettled(ahead);
    await fh.close();
  }
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
 * The length of the gzip member header at the start of `b` (RFC 1952: 10 bytes,
 * then the optional extra field, file name, comment and header CRC), or
 * undefined while `b` does not hold all of it yet.
 */
function gzipHeaderLength(b: Buffer): number | undefined {
  if (b.length < 10) return undefined;
  const flags = b[3]!;
  let p = 10;
  if (flags & 4) {
    if (b.length < p + 2) return undefined;
    p += 2 + b.readUInt16LE(p);
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    const z = b.indexOf(0, p);
    if (z === -1) return undefined;
    p = z + 1;
  }
  if (flags & 2) p += 2;
  return b.length >= p ? p : undefined;
}

/**
 * The first member's deflate data, inflated on its own, beside the gunzip
 * stream: zlib reports a bad CRC or trailing garbage with the output of the
 * same write, which it then drops. This keeps what it drops, so that the
 * reader still gets every byte that was decompressed before the error.
 */
class Shadow {
  private readonly raw = createInflateRaw({ chunkSize: 1 << 18 });
  private head: Buffer | undefined = Buffer.alloc(0);
  private readonly out: Buffer[] = [];
  /** Bytes in `out`, bytes inflated, and how many of them the gunzip stream has given (dropped from `out`). */
  private kept = 0;
  private total = 0;
  private given = 0;
  private done: Promise<void>;

  constructor() {
    this.raw.on('data', (c: Buffer) => {
      this.out.push(c);
      this.kept += c.length;
      this.total += c.length;
      this.trim();
    });
    this.done = new Promise((resolve) => {
      this.raw.on('end', resolve);
      this.raw.on('error', () => resolve());
      this.raw.on('close', resolve);
    });
  }

  write(chunk: Buffer): void {
    if (this.head !== undefined) {
      const b: Buffer = Buffer.concat([this.head, chunk]);
      const n = gzipHeaderLength(b);
      if (n === undefined) {
        this.head = b.length > 1 << 16 ? undefined : b; // no header in 64 KiB: give up the shadow
        return;
      }
      this.head = undefined;
      chunk = b.subarray(n);
    }
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.write(chunk);
  }

  /** The gunzip stream has given `n` more bytes. */
  gave(n: number): void {
    this.given += n;
    this.trim();
  }

  private trim(): void {
    // Keep only what the gunzip stream has not given yet.
    let drop = this.given - (this.total - this.kept);
    while (drop > 0 && this.out.length > 0) {
      const c = this.out[0]!;
      const n = Math.min(c.length, drop);
      if (n === c.length) this.out.shift();
      else this.out[0] = c.subarray(n);
      this.kept -= n;
      drop -= n;
    }
  }

  /** After the gunzip stream failed: the bytes of the first member it did not give. */
  async rest(): Promise<Buffer[]> {
    if (!this.raw.writableEnded) this.raw.end();
    await this.done;
    return this.total > this.given ? this.out : [];
  }

  close(): void {
    this.raw.destroy();
  }
}

/**
 * Gunzip a chunk stream when its content starts with the gzip magic
 * (detected from the bytes, not a file name); otherwise pass it through.
 * Damage after the data (a bad CRC, trailing garbage) still gives every byte
 * that was decompressed, then the error, as zcat does.
 */
export async function* maybeGunzip(chunks: AsyncIterable<Buffer>, name?: string): AsyncGenerator<Buffer> {
  const { head, chunks: all } = await peekInput(chunks, 2);
  if (head === undefined) return;
  if (!isGzip(head)) {
    yield* all;
    return;
  }
  const shadow = new Shadow();
  const tee = async function* () {
    for await (const c of all) {
      shadow.write(c);
      yield c;
    }
  };
  // One chunk read ahead, not 16: the bytes read (the progress line's measure) stay close to the work done.
  const gunzip = Readable.from(tee(), { highWaterMark: 1 }).pipe(createGunzip({ chunkSize: 1 << 18 }));
  try {
    for await (const chunk of gunzip) {
      shadow.gave((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  } catch (e) {
    for (const c of await shadow.rest()) yield c;
    const z = e as { code?: string; message?: string };
    if (typeof z.code === 'string' && z.code.startsWith('Z_')) {
      throw new InputError(`gzip: ${z.message}${z.message === 'incorrect header check' ? ' (trailing garbage after the compressed data)' : ''}; everything before it was read`, name);
    }
    throw e;
  } finally {
    shadow.close();
  }
}

/**
 * The bytes of a file (or `-` for stdin) as chunks, gunzipped when they are gzip
 * (then UTF-16 with a byte-order mark decoded, and other compressors' data
 * refused with the command that reads it: see sniffInput).
 * Files are read `chunkSize` bytes at a time (64 KiB suits line-by-line readers;
 * the block parser of mmio-parse reads 1 MiB at a time).
 */
export function openInput(path: string, chunkSize = 1 << 16, onRead?: (n: number) => void, follow = false): AsyncGenerator<Buffer> {
  return sniffInput(maybeGunzip(rawChunks(path, chunkSize, onRead, follow), inputName(path)), path, inputName(path));
}

/**
 * openInput with a progress line for long work (see Progress): the bytes of the
 * file as read (before gunzip). The progress ends when the input does.
 */
export async function* openWithProgress(path: string, tool: string, wanted: boolean | undefined, chunkSize = 1 << 16, follow = false): AsyncGenerator<Buffer> {
  let size: number | undefined;
  try {
    const st = path === '-' ? fstatSync(0) : statSync(path);
    size = st.isFile() ? st.size : undefined;
  } catch {
    // openInput says what is wrong with the path
  }
  // A followed file has no end to show progress towards.
  const p = follow ? undefined : progressFor(tool, inputName(path), size, wanted);
  try {
    yield* openInput(path, chunkSize, p ? (n) => p.add(n) : undefined, follow);
  } finally {
    p?.done();
  }
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
  try {
    while (head === undefined || head.length < min) {
      const r = await it.next();
      if (r.done) break;
      head = head === undefined ? r.value : Buffer.concat([head, r.value]);
    }
  } catch (e) {
    // An error after some bytes (damaged gzip): those bytes first, then the error.
    if (head === undefined) throw e;
    const got = head;
    return {
      head: got,
      chunks: (async function* () {
        yield got;
        throw e;
      })(),
    };
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
  const st = path === '-' ? fstatSync(0) : await stat(path);
  if (st.isDirectory()) throw new InputError('is a directory', name);
  if (!st.isFile() && !st.isFIFO() && !st.isSocket()) throw new InputError('is a device, not a file: give a file (or a pipe)', name);
  if (st.isFile() && st.size > limit) throw new InputError(`is ${st.size} bytes, more than the ${limit} this tool reads`, name);
  // A regular file is read into one buffer of its size: no second copy (an image is the tool's memory).
  if (st.isFile() && path !== '-') {
    const whole = await readFile(path);
    if (whole.length > limit) throw new InputError(`is more than the ${limit} bytes this tool reads`, name);
    return whole;
  }
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
