/**
 * State mode: the value each register was last written with, in A and in B, and which differ.
 * Memory grows with the number of registers written, not the trace length.
 */
import type { Ev } from '@mmio-tools/core';
import { whereOf } from './key.js';

export interface Last {
  dev?: string;
  region?: number;
  name?: string;
  at: string;
  width: number;
  value: string;
  line?: number;
}

/** The fields that name a register in state mode, of the --key fields (type and value are what is compared). */
export const STATE_FIELDS = ['dev', 'region', 'name', 'offset', 'addr', 'width'] as const;

/**
 * Last written value per register: by default (dev, region, name, offset-or-addr); with
 * `fields` (from --key), by those of them that name a register.
 */
export async function lastWrites(read: (onEvent: (ev: Ev) => void) => Promise<unknown>, ignored: (ev: Ev) => boolean, fields?: readonly string[]): Promise<Map<string, Last>> {
  const regs = new Map<string, Last>();
  const named = (fields ?? ['dev', 'region', 'name', 'offset']).filter((f) => (STATE_FIELDS as readonly string[]).includes(f));
  await read((ev) => {
    if (ev.type !== 'write' || ignored(ev)) return;
    const at = whereOf(ev)!;
    let key = '';
    for (const f of named) key += String(f === 'offset' ? at : ev[f] ?? '') + '\u0001';
    regs.set(key, { dev: ev.dev as string | undefined, region: ev.region as number | undefined, name: ev.name as string | undefined, at, width: ev.width as number, value: ev.value as string, line: ev.line as number | undefined });
  });
  return regs;
}

export interface StateDiff {
  diff: 'changed' | 'only-a' | 'only-b';
  reg: Last;
  a?: Last;
  b?: Last;
}

/** The registers whose last write differs, sorted by device, region, name and address. */
export function compareStates(a: Map<string, Last>, b: Map<string, Last>): { diffs: StateDiff[]; same: number } {
  const diffs: StateDiff[] = [];
  let same = 0;
  for (const [k, va] of a) {
    const vb = b.get(k);
    if (!vb) diffs.push({ diff: 'only-a', reg: va, a: va });
    else if (BigInt(va.value) !== BigInt(vb.value) || va.width !== vb.width) diffs.push({ diff: 'changed', reg: va, a: va, b: vb });
    else same++;
  }
  for (const [k, vb] of b) if (!a.has(k)) diffs.push({ diff: 'only-b', reg: vb, b: vb });
  const cmp = (x: Last, y: Last) =>
    (x.dev ?? '').localeCompare(y.dev ?? '') || (x.region ?? -1) - (y.region ?? -1) || (x.name ?? '').localeCompare(y.name ?? '') || (BigInt(x.at) < BigInt(y.at) ? -1 : BigInt(x.at) > BigInt(y.at) ? 1 : 0);
  diffs.sort((p, q) => cmp(p.reg, q.reg));
  return { diffs, same };
}
