/**
 * A worker thread of the parallel parser: parses the blocks it is sent, out of
 * order (see parallel.ts), and sends back the result, its NDJSON and the block's
 * bytes transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OUT_OF_ORDER, parseBlock, type TextBlock } from './blocks.js';
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
parentPort!.on('message', async ({ id, block }: BlockRequest) => {
  const res = parseBlock(block, file, opts, opts.format === 'qemu' ? undefined : OUT_OF_ORDER);
  parentPort!.postMessage({ id, block, res }, [res.out.buffer as ArrayBuffer, block.bytes.buffer as ArrayBuffer]);
});
