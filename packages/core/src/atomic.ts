import { open, rename, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { forget, removeOnExit } from './cleanup.js';
import { InputError } from './errors.js';

/** A temporary name beside `path`, in the same directory so that rename is atomic. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes the content of an output file. `target` is where to write; `sequential`
 * is true when it is not a regular file (a FIFO, /dev/null, a terminal): then
 * write from the start to the end, with no seeking or truncating.
 */
export type OutputWriter<T> = (target: string, sequential: boolean) => Promise<T>;

interface Pending {
  path: string;
  tmp: string;
}

const statOrNothing = (path: string): Promise<Stats | undefined> => stat(path).catch(() => undefined);

/** An error about the hidden temporary file, told about the user's path. */
function aboutPath(e: unknown, tmp: string, path: string): unknown {
  const se = e as { path?: string; message?: string };
  if (se && typeof se === 'object' && se.path === tmp) {
    se.path = path;
    if (typeof se.message === 'string') se.message = se.message.split(tmp).join(path);
  }
  return e;
}

/**
 * Output files written all or nothing: each is written to a temporary name
 * beside it (removed on every exit path the process can catch), and `commit`
 * renames them all into place once every one is written. An output that is not
 * a regular file (a character device such as /dev/null, a FIFO) is written
 * into directly, never replaced. An output that is one of the inputs, or a
 * directory, is refused before anything is written.
 */
export class OutputBatch {
  private readonly pending: Pending[] = [];
  private inputs: Promise<Stats[]>;

  constructor(inputs: string[] = []) {
    this.inputs = Promise.all(inputs.filter((p) => p !== '-').map(statOrNothing)).then((l) => l.filter((s): s is Stats => s !== undefined));
  }

  /** Refuse an output that cannot be written over: a directory, or one of the inputs. */
  async check(path: string): Promise<Stats | undefined> {
    const st = await statOrNothing(path);
    if (st === undefined) return undefined;
    if (st.isDirectory()) throw new InputError('is a directory', path);
    if (st.isFile() && (await this.inputs).some((i) => i.dev === st.dev && i.ino === st.ino)) {
      throw new InputError('is also an input: refusing to write over it', path);
    }
    return st;
  }

  /** Write one output (to its temporary name, or straight into a non-regular file). */
  async add<T>(path: string, write: OutputWriter<T>): Promise<T> {
    const st = await this.check(path);
    if (st !== undefined && !st.isFile()) return write(path, true);
    const tmp = tempNameFor(path);
    removeOnExit(tmp);
    try {
      // The temporary file is created here, so that a path that cannot be written fails with its own name.
      await (await open(tmp, 'wx')).close();
      const r = await write(tmp, false);
      this.pending.push({ path, tmp });
      return r;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      forget(tmp);
      throw aboutPath(e, tmp, path);
    }
  }

  /** Rename every written output into place. */
  async commit(): Promise<void> {
    for (const p of this.pending) {
      try {
        await rename(p.tmp, p.path);
      } catch (e) {
        await this.abandon();
        throw aboutPath(e, p.tmp, p.path);
      }
      forget(p.tmp);
    }
    this.pending.length = 0;
  }

  /** Remove every temporary file not yet renamed. */
  async abandon(): Promise<void> {
    for (const p of this.pending) {
      await unlink(p.tmp).catch(() => undefined);
      forget(p.tmp);
    }
    this.pending.length = 0;
  }
}

/**
 * Write one file atomically (see OutputBatch): `write` fills a temporary file
 * beside `path`, which is renamed over `path` only when `write` succeeds; on
 * failure nothing at `path` changes. `inputs` are refused as `path`.
 */
export async function writeAtomic<T>(path: string, write: OutputWriter<T>, inputs: string[] = []): Promise<T> {
  const batch = new OutputBatch(inputs);
  try {
    const r = await batch.add(path, write);
    await batch.commit();
    return r;
  } catch (e) {
    await batch.abandon();
    throw e;
  }
}
