import { readTextFileSync } from '@mmio-tools/core';
import { loadRnndb } from './rnndb.js';
import { loadRegisterMap } from './map.js';
import type { RegisterMap } from './regs.js';

/** The largest database file read: envytools' whole rnndb is 4 MB. */
export const MAX_DATABASE = 64 << 20;

/** Load a register database: rnndb XML when it starts with `<`, else a JSON/YAML map. */
export function loadRegisters(file: string, opts: { domain?: string; region: number }): RegisterMap {
  // A file system error goes to the CLI runner, which prints `path: reason`; some (EISDIR) come without the path.
  let text: string;
  try {
    text = readTextFileSync(file, MAX_DATABASE);
  } catch (e) {
    (e as NodeJS.ErrnoException).path ??= file;
    throw e;
  }
  return text.trimStart().startsWith('<') ? loadRnndb(file, text, opts) : loadRegisterMap(file, text);
}
