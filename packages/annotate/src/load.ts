import { readFileSync } from 'node:fs';
import { loadRnndb } from './rnndb.js';
import { loadRegisterMap } from './map.js';
import type { RegisterMap } from './regs.js';

/** Load a register database: rnndb XML when it starts with `<`, else a JSON/YAML map. */
export function loadRegisters(file: string, opts: { domain?: string; region: number }): RegisterMap {
  // A file system error goes to the CLI runner, which names the path and the reason.
  const text = readFileSync(file, 'utf8');
  return text.trimStart().startsWith('<') ? loadRnndb(file, text, opts) : loadRegisterMap(file, text);
}
