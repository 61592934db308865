import { fstatSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ESCAPED_BYTE, encodeText } from './utf8.js';

const FLUSH_AT = 1 << 16;
/**
 * Lines queued this long are written even when fewer than FLUSH_AT bytes are
 * (a live trace: `tail -f qemu.log | mmio-parse | mmio-format --to text`): when
 * the input pauses, what was made of it goes out within this time. One timer
 * per batch, not one write per line: the bulk path writes 64 KiB blocks as before.
 */
export const LIVE_FLUSH_MS = 50;

/** Every writer made, so that the error path can hand over what they hold (see flushPendingLines). */
const writers = new Set<LineWriter>();

/** Set when stdout's reader went away and the tool goes on without it (RunOptions.writesFiles). */
let discard = false;

/** From now on, lines for stdout are dropped: its reader went away, the tool's files are still to be written. */
export function stdoutGone(): void {
  discard = true;
  for (const w of writers) w.drop();
}

/**
 * Hand every writer's queued lines to its stream, without waiting. The CLI
 * runner calls this before it reports an error, so that the output is exactly
 * everything before the failing input, not whatever the last 64 KiB batch held.
 */
export function flushPendingLines(): void {
  for (const w of writers) w.handOver();
}

/**
 * Batched line output: lines are concatenated and written in blocks of about 64 KiB,
 * which is much cheaper than one write per event. `flushIfFull` and `end`
 * honour the destination's backpressure, so memory stays bounded.
 */
export class LineWriter {
  private buf = '';
  /** Writes what is queued LIVE_FLUSH_MS after the first line of a batch (see LIVE_FLUSH_MS). */
  protected timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly dest: Writable) {
    writers.add(this);
  }

  /** Queue one line (without its newline). */
  line(text: string): void {
    if (discard) return;
    this.buf += text + '\n';
    if (this.timer === undefined) this.later();
  }

  protected later(): void {
    // Unref'd: it never keeps a process alive that has nothing else to wait for.
    this.timer = setTimeout(this.tick, LIVE_FLUSH_MS);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (!this.hasPending() || discard || this.dest.destroyed) return;
    this.onTick();
  };

  /** What is queued goes out (LIVE_FLUSH_MS after the first line of a batch). */
  protected onTick(): void {
    // A destination that is full gets it with the next flush, or the next tick.
    if (this.dest.writableNeedDrain) this.later();
    else this.handOver();
  }

  /**
   * True once the destination's reader went away (`| head`): a tool whose
   * work is only this output stops; one that also writes files goes on.
   */
  get gone(): boolean {
    return discard || this.dest.destroyed;
  }

  /**
   * Queue one line of text written back as the bytes it was read from: the bytes of invalid UTF-8
   * that the readers keep (U+DC80–U+DCFF) become those bytes again (mmio-format --to qemu, say).
   */
  lineBytes(text: string): void {
    if (discard) return;
    if (!ESCAPED_BYTE.test(text)) {
      this.line(text);
      return;
    }
    this.handOver();
    if (!this.dest.destroyed) this.dest.write(encodeText(text + '\n'));
  }

  /** Is anything queued? */
  protected hasPending(): boolean {
    return this.buf.length > 0;
  }

  /** Forget what is queued (stdout's reader went away). */
  drop(): void {
    this.buf = '';
  }

  /** Write what is queued when it is large enough; wait if the destination is full. */
  async flushIfFull(): Promise<void> {
    if (this.buf.length >= FLUSH_AT) await this.flush();
  }

  /** Write a block of whole lines (after what is queued); wait if the destination is full. */
  async block(data: string | Uint8Array): Promise<void> {
    await this.flush();
    if (discard) return;
    if (!this.dest.write(data)) await waitDrain(this.dest);
  }

  /** Give what is queued to the stream now, without waiting for it to drain. */
  handOver(): void {
    if (this.buf.length === 0 || this.dest.destroyed) return;
    this.dest.write(this.buf);
    this.buf = '';
  }

  /** Write everything queued; wait if the destination is full. */
  async flush(): Promise<void> {
    if (this.buf.length === 0 || discard || this.dest.destroyed) return;
    const block = this.buf;
    this.buf = '';
    if (!this.dest.write(block)) await waitDrain(this.dest);
  }
}

function waitDrain(dest: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      dest.off('drain', onDrain);
      dest.off('error', onError);
      dest.off('close', onDrain);
    };
    const onDrain = () => {
      done();
      resolve();
    };
    const onError = (e: Error) => {
      done();
      // The reader went away and the tool goes on without it: nothing to wait for.
      if (discard) resolve();
      else reject(e);
    };
    dest.once('drain', onDrain);
    dest.once('error', onError);
    // A destination closed while we wait (its reader went away) drains no more.
    dest.once('close', onDrain);
  });
}

/** Direct writes (ByteWriter's `sent`): tried every DIRECT_EVERY bytes made; the stream and its drain take over past DIRECT_AHEAD bytes queued. */
const DIRECT_EVERY = 1 << 16;
const DIRECT_AHEAD = 1 << 22;
/** Buffers kept for reuse (the queue before DIRECT_AHEAD, and what the stream holds, come back to it). */
const FREE_MAX = 8;

/** Is standard output a pipe or a socket, which process.stdout has made non-blocking (so that a direct write never waits)? */
function directOut(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/** Bytes a ByteWriter's buffer holds: byte producers seal it when less than MAX_BYTE_LINE is left. */
const BYTES = 1 << 20;
/** The longest line a byte producer writes into a ByteWriter's buffer in place (longer lines take `line`). */
export const MAX_BYTE_LINE = 1 << 12;

/**
 * Line output assembled in one Buffer (issue 25): byte producers write their
 * lines straight into `data` at `pos` (with at most MAX_BYTE_LINE bytes a line,
 * then `sealIfFull`), and text lines (`line`) are encoded into the same
 * buffer, so that the order of the lines is kept. Written in blocks, with
 * backpressure, as LineWriter; handed over before an error is reported.
 *
 * A full buffer is handed to the stream as it is (not copied) and a new one
 * takes its place; with `reuse`, buffers the stream is done with (its write
 * callback) are used again. `view` is a DataView of `data`, for producers that
 * write four bytes at a time (bytes.ts): they may write up to 3 bytes past the
 * end of their line, which the next line overwrites.
 *
 * Standard output that is a pipe or a socket is written as the bytes are made
 * (see `direct`), not in blocks the event loop writes between chunks.
 */
export class ByteWriter extends LineWriter {
  data: Buffer;
  view: DataView;
  pos = 0;
  /**
   * data[0, sent) is written already (direct writes). -1: no direct writes.
   *
   * A pipe holds 64 KiB. Handed to process.stdout, the bytes go out only when
   * the event loop turns, between two chunks of input, a pipe-full at a time,
   * and a full block waits for the pipe to drain: the stages of a pipeline
   * took turns (`mmio-parse | cat`: 2.1 s against 1.5 s to /dev/null). So,
   * while nothing waits in the stream, every 64 KiB made is written at once
   * with a write that does not wait (libuv made the pipe non-blocking): what
   * the pipe takes goes, the rest stays queued for the next try. Only when
   * DIRECT_AHEAD bytes are queued is the queue handed to the stream, and the
   * tool waits for it to drain, as before: the stage is that far ahead of its
   * reader. (A thread that blocks in write() would overlap best, but a process
   * cannot exit while one does: a signal or an error would wait for the reader.)
   */
  private sent = -1;
  /** The next direct write is tried when `pos` reaches this (after a pipe-full, not at every line). */
  private nextTry = DIRECT_EVERY;
  /** Bytes queued before `data` (lines longer than fit in it). */
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Buffers of ours that the stream is done with (with `reuse`), and which buffers are ours. */
  private readonly free: Buffer[] = [];
  private readonly ours = new WeakSet<ArrayBufferLike>();

  /**
   * `reuse`: the stream is done with a chunk when it calls the write's callback
   * (process.stdout, a file: true; a PassThrough, which passes the chunk on, not).
   */
  constructor(
    private readonly to: Writable,
    private readonly opts: { reuse?: boolean } = {},
  ) {
    super(to);
    this.data = Buffer.allocUnsafe(BYTES);
    this.view = new DataView(this.data.buffer, this.data.byteOffset, BYTES);
    if (opts.reuse) this.ours.add(this.data.buffer);
    if (to === process.stdout && directOut()) this.sent = 0;
  }

  override line(text: string): void {
    if (discard) return;
    if (this.timer === undefined) this.later();
    if (text.length * 3 + 1 > BYTES - MAX_BYTE_LINE - this.pos) {
      this.seal();
      if (text.length * 3 + 1 > BYTES - MAX_BYTE_LINE) {
        const b = Buffer.from(text + '\n');
        this.queued.push(b);
        this.queuedBytes += b.length;
        return;
      }
    }
    this.pos += this.data.write(text, this.pos, "utf8");
    this.data[this.pos++] = 10;
  }

  /** Queue the bytes buf[s, e) (whole lines): a long run is copied in one call, a short one in a loop. */
  copy(buf: Uint8Array, s: number, e: number): void {
    if (discard) return;
    const n = e - s;
    if (n > BYTES - this.pos) {
      this.seal();
      if (n > BYTES) {
        const b = Buffer.from(buf.subarray(s, e));
        this.queued.push(b);
        this.queuedBytes += n;
        return;
      }
    }
    const d = this.data;
    if (n > 256) d.set(buf.subarray(s, e), this.pos);
    else for (let i = 0, o = this.pos; i < n; i++) d[o + i] = buf[s + i]!;
    this.pos += n;
    this.sealIfFull();
  }

  /** Move what `data` holds to the queue when less than MAX_BYTE_LINE bytes are left in it. */
  sealIfFull(): void {
    if (this.sent >= 0 && this.pos >= this.nextTry) this.direct();
    if (this.pos > BYTES - MAX_BYTE_LINE) this.seal();
    // Live output: what is queued goes out LIVE_FLUSH_MS after the first line of a batch, as LineWriter's.
    if (this.timer === undefined) this.later();
  }

  /** Bytes pending at the last tick (direct writes: see onTick). */
  private atTick = -1;

  /**
   * Direct writes: what the pipe takes now goes. While bytes are being made,
   * that is all (the next 64 KiB made try again); bytes that stayed pending
   * a whole tick with nothing new made (the input paused, the pipe full) are
   * handed to the stream, which writes them when the reader takes them.
   */
  protected override onTick(): void {
    if (this.sent < 0) return super.onTick();
    this.direct();
    const pending = this.unsent;
    if (pending === 0) return;
    if (pending === this.atTick) {
      this.atTick = -1;
      super.onTick();
    } else {
      this.atTick = pending;
      this.later();
    }
  }

  /** Bytes made and not yet written or handed to the stream. */
  private get unsent(): number {
    return this.pos - Math.max(this.sent, 0) + this.queuedBytes;
  }

  protected override hasPending(): boolean {
    return this.unsent > 0;
  }

  /** Keep one of our buffers that is written out for reuse (with `reuse`, up to FREE_MAX). */
  private recycle(b: Uint8Array): void {
    if (this.opts.reuse && this.ours.has(b.buffer) && this.free.length < FREE_MAX) this.free.push(Buffer.from(b.buffer, 0, BYTES));
  }

  /**
   * Direct writes (see `sent`): what is queued, then data[sent, pos), as far as
   * the pipe takes them now, unless the stream holds bytes (they go first).
   */
  private direct(): void {
    this.nextTry = this.pos + DIRECT_EVERY;
    if (discard || this.to.writableLength > 0 || this.to.destroyed) return;
    const q = this.queued;
    while (q.length > 0) {
      const b = q[0]!;
      const n = this.tryWrite(b, 0, b.length);
      this.queuedBytes -= n;
      if (n < b.length) {
        if (n > 0) q[0] = b.subarray(n);
        return;
      }
      q.shift();
      this.recycle(b);
    }
    const n = this.tryWrite(this.data, this.sent, this.pos);
    if (this.sent < 0) return; // it failed: the policy's handler has it
    this.sent += n;
    // All of it written: the buffer is empty again.
    if (this.sent === this.pos) this.pos = this.sent = 0;
  }

  /** Write buf[s, e) to stdout without waiting: the bytes written (0 when the pipe is full). An error goes to the stream (the policy's handler). */
  private tryWrite(buf: Uint8Array, s: number, e: number): number {
    if (s >= e || this.sent < 0) return 0;
    try {
      return writeSync(1, buf, s, e - s);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EAGAIN' || code === 'EINTR') return 0;
      // EPIPE (the reader went away) and the rest: the process policy's handler of stdout errors decides.
      this.sent = -1;
      this.to.destroy(err as Error);
      return 0;
    }
  }

  private seal(): void {
    const from = Math.max(this.sent, 0);
    if (this.sent > 0) this.sent = 0;
    this.nextTry = DIRECT_EVERY;
    if (this.pos === from) {
      this.pos = 0;
      return;
    }
    const len = this.pos - from;
    // A small piece is copied (the buffer stays); a large one is queued as it is, and a new buffer takes its place.
    if (len < BYTES >> 3) {
      this.queued.push(Buffer.from(this.data.subarray(from, this.pos)));
      this.queuedBytes += len;
      this.pos = 0;
      return;
    }
    this.queued.push(this.data.subarray(from, this.pos));
    this.queuedBytes += len;
    this.pos = 0;
    const next = this.free.pop();
    if (next !== undefined) this.data = next;
    else {
      this.data = Buffer.allocUnsafe(BYTES);
      if (this.opts.reuse) this.ours.add(this.data.buffer);
    }
    this.view = new DataView(this.data.buffer, this.data.byteOffset, BYTES);
  }

  /** Write a queued piece to the stream: true when it takes more now. */
  private put(b: Uint8Array): boolean {
    if (!this.opts.reuse || !this.ours.has(b.buffer)) return this.to.write(b);
    return this.to.write(b, (err) => {
      if (!err) this.recycle(b);
    });
  }

  override drop(): void {
    this.pos = 0;
    if (this.sent > 0) this.sent = 0;
    this.queued = [];
    this.queuedBytes = 0;
  }

  override async flushIfFull(): Promise<void> {
    if (this.sent >= 0) this.direct();
    if (this.unsent >= (this.sent >= 0 ? DIRECT_AHEAD : 1 << 17)) await this.flush();
  }

  override handOver(): void {
    if (this.to.destroyed) return;
    this.seal();
    for (const b of this.queued) this.put(b);
    this.queued = [];
    this.queuedBytes = 0;
  }

  override async flush(): Promise<void> {
    if (discard) return;
    this.seal();
    const q = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const b of q) if (!this.put(b)) await waitDrain(this.to);
  }
}
