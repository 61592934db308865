import { chmod, chown, link, open, rename, stat, unlink } from 'node:fs/promises';
import { fstatSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { forget, removeOnExit } from './cleanup.js';
import { InputError } from './errors.js';

/** The longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;

/**
 * A temporary name beside `path`, in the same directory so that rename is atomic:
 * `.NAME.tmp-PID-RANDOM`, with NAME cut (at a character) so that the whole stays
 * within NAME_MAX bytes: an output name of 255 bytes works.
 */
export function tempNameFor(path: string): string {
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let name = basename(path);
  while (Buffer.byteLength(name) > NAME_MAX - 1 - suffix.length) name = [...name].slice(0, -1).join('');
  return join(dirname(path), `.${name}${suffix}`);
}

/** The file on standard input, when it is one (a shell's `< file`), else undefined. */
function stdinFile(): Stats | undefined {
  try {
    const st = fstatSync(0);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
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

/** An error about writing `path` that does not say which file (ENOSPC on a write, say): now it does. */
function withPath(e: unknown, path: string): unknown {
  const se = e as { path?: unknown; code?: unknown };
  if (se && typeof se === 'object' && typeof se.code === 'string' && se.path === undefined) se.path = path;
  return e;
}

const statOrNothing = (path: string): Promise<Stats | undefined> => stat(path).catch(() => undefined);

/** An error about the hidden temporary file, told about the user's path. */
function aboutPath(e: unknown, tmp: string, path: string): unknown {
  const se = e as { path?: string; message?: string };
  if (se && typeof se === 'object' && se.path === tmp) {
    se.path = path;
    if (typeof se.message === 'string') se.message = se.message.split(tmp).join(path);
  }
  return withPath(e, path);
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

  /** `inputs` are the tool's input paths; `-` is standard input, compared by what it is (`< file`). */
  constructor(inputs: string[] = []) {
    const stdin = inputs.includes('-') ? stdinFile() : undefined;
    this.inputs = Promise.all(inputs.filter((p) => p !== '-').map(statOrNothing)).then((l) => [...l, stdin].filter((s): s is Stats => s !== undefined));
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
    if (st !== undefined && !st.isFile()) return write(path, true).catch((e: unknown) => Promise.reject(withPath(e, path)));
    const tmp = tempNameFor(path);
    removeOnExit(tmp);
    try {
      // The temporary file is created here, so that a path that cannot be written fails with its own name.
      await (await open(tmp, 'wx')).close();
      const r = await write(tmp, false);
      // A file written over keeps its permissions (and, where we may, its owner).
      if (st !== undefined) {
        await chmod(tmp, st.mode & 0o7777);
        if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) await chown(tmp, st.uid, st.gid).catch(() => undefined);
      }
      this.pending.push({ path, tmp });
      return r;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      forget(tmp);
      throw aboutPath(e, tmp, path);
    }
  }

  /**
   * Rename every written output into place, all or none: each file written over
   * is first kept under a second name (a hard link), so that when a later rename
   * fails (an immutable file, say) the earlier ones are put back as they were.
   * Where a file cannot be kept so (a file system without hard links), it is
   * renamed first; if a file cannot be put back, the message names what is new.
   */
  async commit(): Promise<void> {
    type Step = Pending & { backup?: string; existed: boolean; done?: boolean };
    const steps: Step[] = [];
    try {
      for (const p of this.pending) {
        const existed = (await statOrNothing(p.path)) !== undefined;
        const step: Step = { ...p, existed };
        if (existed) {
          const backup = tempNameFor(p.path);
          removeOnExit(backup);
          try {
            await link(p.path, backup);
            step.backup = backup;
          } catch {
            forget(backup);
          }
        }
        steps.push(step);
      }
      // The ones that cannot be put back go first: when one of them fails, nothing is replaced yet.
      steps.sort((a, b) => Number(a.backup !== undefined || !a.existed) - Number(b.backup !== undefined || !b.existed));
      for (const s of steps) {
        try {
          await rename(s.tmp, s.path);
        } catch (e) {
          const lost = await this.rollBack(steps);
          await this.abandon();
          const err = aboutPath(e, s.tmp, s.path);
          if (lost.length) {
            throw new InputError(`${describeFailure(err)}; already in place and new (the old files could not be kept): ${lost.join(', ')}`, s.path);
          }
          throw err;
        }
        s.done = true;
        forget(s.tmp);
      }
    } finally {
      for (const s of steps) {
        if (s.backup === undefined) continue;
        await unlink(s.backup).catch(() => undefined);
        forget(s.backup);
      }
    }
    this.pending.length = 0;
  }

  /** Undo the renames done so far: the old file back, or a new one removed. The paths that could not be undone. */
  private async rollBack(steps: { path: string; backup?: string; existed: boolean; done?: boolean }[]): Promise<string[]> {
    const lost: string[] = [];
    for (const s of steps) {
      if (!s.done) continue;
      try {
        if (s.backup !== undefined) {
          await rename(s.backup, s.path);
          forget(s.backup);
          s.backup = undefined;
        } else if (!s.existed) await unlink(s.path);
        else lost.push(s.path);
      } catch {
        lost.push(s.path);
      }
    }
    return lost;
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

/** What went wrong with a rename, in a user's words (for a message that goes on). */
function describeFailure(e: unknown): string {
  const se = e as { code?: string; message?: string };
  const reasons: Record<string, string> = { EPERM: 'operation not permitted', EACCES: 'permission denied', ENOSPC: 'no space left on device', EROFS: 'read-only file system', EISDIR: 'is a directory' };
  return (se?.code && reasons[se.code]) ?? String(se?.message ?? e);
}
