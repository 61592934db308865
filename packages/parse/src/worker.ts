/**
 * A worker thread of the parallel parser: parses the blocks it is sent, out of
 * order (see parallel.ts), and sends back the result, its NDJSON and the block's
 * bytes transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { outOfOrderLines, parseBlock, type TextBlock } from './blocks.js';
import type { ParseOptions } from './parse.js';

export interface WorkerSetup {
  file: string;
  opts: ParseOptions;
}

export interface BlockRequest {
  id: number;
  block: TextBlock;
}

const { file, opts } = workerData as WorkerSetup;
parentPort!.postMessage('ready');
const mmio = outOfOrderLines(opts);
parentPort!.on('message', ({ id, block }: BlockRequest) => {
  const res = parseBlock(block, file, opts, mmio);
  // The last piece may be small enough to sit in Buffer's shared pool: copy that one rather than move the pool.
  res.out = res.out.map((p) => (p.byteOffset === 0 && p.byteLength === p.buffer.byteLength ? p : new Uint8Array(p)));
  parentPort!.postMessage({ id, block, res }, [...res.out.map((p) => p.buffer as ArrayBuffer), block.bytes.buffer as ArrayBuffer]);
});
