/**
 * Reading a file as it grows, as `tail -F` does (--follow): at its end, wait
 * for more; a file truncated under us is read again from its start; a file
 * renamed away (log rotation) is read to its end, then the new file at the
 * path from its start (waiting for it to appear). It ends only when the
 * process does (SIGINT, SIGTERM: the CLI runner's policy).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

/** How often the end of a followed file is looked at again. */
export const FOLLOW_POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The chunks of a file that grows, for ever (see above). */
export async function* followChunks(path: string, chunkSize: number, onRead?: (n: number) => void): AsyncGenerator<Buffer> {
  let fh: FileHandle = await open(path, 'r');
  let { ino, dev } = await fh.stat();
  let pos = 0;
  /** Read on from `pos` to the end of the file now. */
  async function* drain(): AsyncGenerator<Buffer> {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await fh.read(buf, 0, chunkSize, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      onRead?.(bytesRead);
      yield buf.subarray(0, bytesRead);
    }
  }
  try {
    for (;;) {
      yield* drain();
      // At the end: has the file at the path been replaced, or truncated?
      const now = await stat(path).catch(() => undefined);
      if (now !== undefined && (now.ino !== ino || now.dev !== dev)) {
        // Rotated: what was written to the old file before the rename first, then the new one.
        yield* drain();
        await fh.close();
        fh = await open(path, 'r');
        ({ ino, dev } = await fh.stat());
        pos = 0;
        continue;
      }
      if ((await fh.stat()).size < pos) {
        pos = 0; // truncated: from its start again
        continue;
      }
      await sleep(FOLLOW_POLL_MS);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
