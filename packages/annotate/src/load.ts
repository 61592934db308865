import { readFileSync } from 'node:fs';
import { InputError } from '@mmio-tools/core';
import { loadRnndb } from './rnndb.js';
import { loadRegisterMap } from './map.js';
import type { RegisterMap } from './regs.js';

/** Load a register database: rnndb XML when it starts with `<`, else a JSON/YAML map. */
export function loadRegisters(file: string, opts: { domain?: string; region: number }): RegisterMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the register database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  return text.trimStart().startsWith('<') ? loadRnndb(file, text, opts) : loadRegisterMap(file, text);
}
