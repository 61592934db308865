/**
 * Parsing a large text trace on several cores. The input is cut into blocks of
 * whole lines (blocks.ts); once more than `inlineBytes` have been parsed here,
 * worker threads parse blocks too, and this thread parses one whenever they
 * have enough to do. Output is written in input order, so the result is the
 * same as parsing line by line.
 *
 * QEMU lines stand alone, but an mmiotrace line depends on those before it
 * (PCIDEV, MAP), so a trace with mmiotrace lines is parsed in order here: a
 * block parsed out of order that holds one comes back unparsed, and it and
 * every later block are parsed in this thread, in order.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '@mmio-tools/core';
import { outOfOrderLines, parseBlock, textBlocks, type BlockResult, type TextBlock } from './blocks.js';
import { MmiotraceParser } from './mmiotrace.js';
import { newStats, type MmiotraceLines, type ParseOptions, type ParseStats } from './parse.js';
import type { BlockRequest, WorkerSetup } from './worker.js';

export interface TextSink {
  /** NDJSON event lines, in input order. */
  write(data: Uint8Array): Promise<void> | void;
  /** A warning about the input (see ParseSink.warn). */
  warn(message: string, once?: string): void;
}

export interface ParallelOptions {
  /** Threads that parse, this one included (so jobs - 1 workers); 1 parses everything here. */
  jobs: number;
  /** Bytes per block (default 1 MiB). */
  blockSize?: number;
  /** Bytes parsed in this thread before workers start: small inputs never start them (default 1 MiB). */
  inlineBytes?: number;
  /** Keep parsing here while the workers load (default); false sends them blocks at once (for tests). */
  inlineUntilReady?: boolean;
}

interface Reply {
  id: number;
  block: TextBlock;
  res: BlockResult;
}

/** Worker threads, each sent blocks in turn. */
class Pool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  private loading: number;
  private closing = false;

  constructor(size: number, setup: WorkerSetup) {
    this.loading = size;
    // dist/worker.js, from dist/ and from src/ (where the tests import this file) alike.
    const url = new URL('../dist/worker.js', import.meta.url);
    for (let i = 0; i < size; i++) {
      // stdout/stderr: true keeps the workers' (unused) streams off the process's own, each of
      // which would otherwise get a listener per worker (MaxListenersExceededWarning from 10 on).
      const w = new Worker(url, { workerData: setup, stdout: true, stderr: true });
      w.on('message', (m: Reply | 'ready') => {
        if (m === 'ready') {
          this.loading--;
          return;
        }
        const p = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        p?.resolve(m);
      });
      const fail = (e: unknown) => {
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      };
      w.on('error', fail);
      // A worker that stops while blocks wait (it should not) must not leave them waiting forever.
      w.on('exit', (code) => {
        if (!this.closing) fail(new Error(`a parser thread stopped (exit code ${code})`));
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Blocks sent and not yet back. */
  get busy(): number {
    return this.waiting.size;
  }

  /** Have all workers loaded their code? (About 70 ms, which this thread can spend parsing.) */
  get ready(): boolean {
    return this.loading === 0;
  }

  /** Parse a block in a worker; its bytes move there and come back with the reply. */
  run(block: TextBlock): Promise<Reply> {
    const id = this.nextId++;
    const w = this.workers[id % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const msg: BlockRequest = { id, block };
      w.postMessage(msg, [block.bytes.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Parse a text trace (QEMU text and mmiotrace, no simpletrace), using up to `jobs` threads. */
export async function parseTextParallel(chunks: AsyncIterable<Buffer>, file: string, opts: ParseOptions, sink: TextSink, po: ParallelOptions): Promise<ParseStats> {
  const stats = newStats();
  // Once an mmiotrace line is seen (or for --format mmiotrace), every block is parsed here in order.
  let ordered = opts.format === 'mmiotrace' || po.jobs <= 1;
  let mmio: MmiotraceLines | undefined;
  if (opts.format !== 'qemu') {
    const parser = new MmiotraceParser();
    mmio = {
      parseLine(line) {
        ordered = true;
        return parser.parseLine(line);
      },
    };
  }
  const inlineBytes = po.inlineBytes ?? 1 << 20;
  const inlineUntilReady = po.inlineUntilReady ?? true;
  let parsedHere = 0;
  let pool: Pool | undefined;
  const queue: Promise<Reply>[] = [];

  const apply = async (res: BlockResult) => {
    for (const piece of res.out) await sink.write(piece);
    for (const [w, once] of res.warnings) sink.warn(w, once);
    stats.events += res.stats.events;
    stats.malformed += res.stats.malformed;
    stats.known += res.stats.known;
    stats.unrecognised += res.stats.unrecognised;
    stats.firstUnrecognised ??= res.stats.firstUnrecognised;
    if (res.error) throw new InputError(res.error.message, file, res.error.line);
    if (res.crash) throw Object.assign(new Error(res.crash.message), { stack: res.crash.stack });
  };
  const parseHere = async (block: TextBlock) => {
    const res = parseBlock(block, file, opts, mmio);
    parsedHere += block.bytes.length;
    await apply(res);
  };
  /** Take the oldest block from the workers: write its output, or parse it here if it must be in order. */
  const settle = async () => {
    const r = await queue.shift()!;
    if (r.res.needsOrder) ordered = true;
    if (ordered) await parseHere(r.block);
    else await apply(r.res);
  };

  try {
    for await (const block of textBlocks(chunks, po.blockSize ?? 1 << 20)) {
      stats.lines = block.firstLine + block.lines - 1;
      if (!ordered && !pool && parsedHere >= inlineBytes) pool = new Pool(po.jobs - 1, { file, opts });
      if (ordered || !pool || (inlineUntilReady && !pool.ready && queue.length === 0)) {
        while (queue.length > 0) await settle();
        await parseHere(block);
        continue;
      }
      if (pool.busy < pool.size * 2) {
        const reply = pool.run(block);
        reply.catch(() => undefined); // a failure is reported when its turn comes, not as unhandled
        queue.push(reply);
      } else {
        // The workers have enough to do: parse this block here, out of order like theirs.
        queue.push(Promise.resolve({ id: -1, block, res: parseBlock(block, file, opts, outOfOrderLines(opts)) }));
      }
      while (queue.length > pool.size * 2 + 1) await settle();
    }
    while (queue.length > 0) await settle();
  } finally {
    await pool?.close();
  }
  return stats;
}
