import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

/**
 * Batched line output: lines are joined and written in blocks of about 64 KiB,
 * which is much cheaper than one write per event. `flushIfFull` and `end`
 * honour the destination's backpressure, so memory stays bounded.
 */
export class LineWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly dest: Writable) {}

  /** Queue one line (without its newline). */
  line(text: string): void {
    this.parts.push(text);
    this.size += text.length + 1;
  }

  /** Write what is queued when it is large enough; wait if the destination is full. */
  async flushIfFull(): Promise<void> {
    if (this.size >= FLUSH_AT) await this.flush();
  }

  /** Write everything queued; wait if the destination is full. */
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const block = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
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
