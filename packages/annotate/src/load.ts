import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError, binaryWhat, readTextFileSync } from '@mmio-tools/core';
import { pickDomain, readRnndb } from './rnndb.js';
import { RnnAnnotator, variantsOf } from './rnnmap.js';
import { loadRegisterMap } from './map.js';
import type { Annotator } from './regs.js';

/** The largest database file read: envytools' whole rnndb is 2 MB. */
export const MAX_DATABASE = 64 << 20;

export interface LoadOptions {
  /** rnndb: the domain to use (default: the only one). */
  domain?: string;
  /** rnndb: the region (BAR) the domain describes. */
  region: number;
  /** rnndb: database roots for imports and a --regs name without a `/` (default: the --regs file's directory). */
  roots?: string[];
  /** rnndb: the variant to name with (default: from PMC_BOOT_0 where the database has a chipset enum). */
  variant?: string;
}

/**
 * The database roots of RNN_PATH (colon-separated, as envytools reads it). An
 * empty component is skipped, not taken for `.`; a path with no directory in
 * it (``, `:::`) names no root: undefined, as if it were not given.
 */
export function rootsOf(spec: string | undefined): string[] | undefined {
  const roots = spec?.split(':').filter((r) => r !== '');
  return roots === undefined || roots.length === 0 ? undefined : roots;
}

/** A file given as --regs that is no register database at all (an image, events): say what it looks like. */
function notADatabase(file: string): void {
  let head: Buffer;
  try {
    if (!statSync(file).isFile()) return;
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(4096);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // the reader says what is wrong with the file
  }
  const takes = 'a register database is an rnndb .xml file or a JSON/YAML register map';
  const what = binaryWhat(head);
  if (what !== undefined) throw new InputError(`${what}, not a register database: ${takes}`, file);
  if (/^\s*\{\s*"type"\s*:/.test(head.toString('utf8'))) throw new InputError(`NDJSON events, not a register database: ${takes} (the events are the input: mmio-annotate --regs DB events.nd)`, file);
}

/** Load a register database: rnndb XML when it starts with `<`, else a JSON/YAML map. */
export function loadRegisters(file: string, opts: LoadOptions): Annotator {
  notADatabase(file);
  const rnn = /\.xml$/i.test(file) || (opts.roots !== undefined && !file.includes('/'));
  if (!rnn) {
    // A file system error goes to the CLI runner, which prints `path: reason`; some (EISDIR) come without the path.
    let text: string;
    try {
      text = readTextFileSync(file, MAX_DATABASE);
    } catch (e) {
      (e as NodeJS.ErrnoException).path ??= file;
      throw e;
    }
    if (!text.trimStart().startsWith('<')) return loadRegisterMap(file, text);
  }
  const roots = opts.roots ?? [file.includes('/') ? file.replace(/\/[^/]*$/, '') || '/' : '.'];
  const db = readRnndb(file, roots);
  const domain = pickDomain(db, file, opts.domain);
  return new RnnAnnotator(domain, opts.region, opts.variant === undefined ? undefined : variantsOf(domain, opts.variant));
}
