import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temporary name beside `path`, in the same directory so that rename is atomic. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Write a file atomically: `write` fills a temporary file beside `path`, which
 * is renamed over `path` only when `write` succeeds. On failure the temporary
 * file is removed and nothing at `path` changes.
 */
export async function writeAtomic<T>(path: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = tempNameFor(path);
  try {
    const r = await write(tmp);
    await rename(tmp, path);
    return r;
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
