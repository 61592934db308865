import { UsageError, overlaps, parseRange, type Ev, type Range } from '@mmio-tools/core';

/** Default key: everything but addr (an offset falls back to addr anyway). */
export const KEY_FIELDS = ['type', 'dev', 'region', 'name', 'offset', 'width', 'value'] as const;
export const ALL_KEY_FIELDS = [...KEY_FIELDS, 'addr'] as const;
export type KeyField = (typeof ALL_KEY_FIELDS)[number];

export function parseKey(text: string): KeyField[] {
  const fields = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of fields) if (!(ALL_KEY_FIELDS as readonly string[]).includes(f)) throw new UsageError(`--key: unknown field "${f}" (fields: ${ALL_KEY_FIELDS.join(', ')})`);
  if (fields.length === 0) throw new UsageError('--key: name at least one field');
  return fields as KeyField[];
}

export function parseIgnore(texts: string[]): Range[] {
  return texts.map((t) => parseRange(t, '--ignore'));
}

/** Where an access is: its region offset, or its absolute `addr` when it has none. */
export const whereOf = (ev: Ev) => (ev.offset ?? ev.addr) as string | undefined;

/**
 * The comparison key of an access event (undefined for other events): the chosen fields,
 * without `value` when the access falls in an --ignore range.
 */
/** Whether an access falls in one of the --ignore ranges. */
export function isIgnored(ignore: Range[], ev: Ev): boolean {
  const at = whereOf(ev);
  return ignore.length > 0 && at !== undefined && ignore.some((r) => overlaps(r, BigInt(at), ev.width as number));
}

export function keyer(fields: KeyField[], ignore: Range[]): (ev: Ev) => string | undefined {
  return (ev) => {
    if (ev.type !== 'read' && ev.type !== 'write') return undefined;
    const at = whereOf(ev);
    const ignored = isIgnored(ignore, ev);
    let k = '';
    for (const f of fields) {
      const v = f === 'offset' ? at : f === 'value' && ignored ? '*' : ev[f];
      k += (v === undefined ? '' : String(v)) + '\u0001';
    }
    return k;
  };
}
