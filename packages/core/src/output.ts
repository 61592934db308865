import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

/**
 * Batched line output: lines are concatenated and written in blocks of about 64 KiB,
 * which is much cheaper than one write per event. `flushIfFull` and `end`
 * honour the destination's backpressure, so memory stays bounded.
 */
export class LineWriter {
  private buf = '';

  constructor(private readonly dest: Writable) {}

  /** Queue one line (without its newline). */
  line(text: string): void {
    this.buf += text + '\n';
  }

  /** Write what is queued when it is large enough; wait if the destination is full. */
  async flushIfFull(): Promise<void> {
    if (this.buf.length >= FLUSH_AT) await this.flush();
  }

  /** Write a block of whole lines (after what is queued); wait if the destination is full. */
  async block(data: string | Uint8Array): Promise<void> {
    await this.flush();
    if (!this.dest.write(data)) await waitDrain(this.dest);
  }

  /** Write everything queued; wait if the destination is full. */
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const block = this.buf;
    this.buf = '';
    if (!this.dest.write(block)) await waitDrain(this.dest);
  }
}

function waitDrain(dest: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      dest.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      dest.off('drain', onDrain);
      reject(e);
    };
    dest.once('drain', onDrain);
    dest.once('error', onError);
  });
}
