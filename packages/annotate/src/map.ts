/**
 * The JSON/YAML register map, for people writing their own (docs in packages/annotate/README
 * section of the main README):
 *
 *   regions:
 *     0:                                  # region index (BAR 0)
 *       0x1800: CHIPC_RESET               # offset: name (a 32-bit register)
 *       0x1804:
 *         name: CHIPC_STATUS
 *         width: 32                       # bits: 8, 16, 32 or 64 (default 32)
 *         count: 4                        # optional: an array of registers ...
 *         stride: 0x10                    # ... this many bytes apart (default width/8)
 *         fields:
 *           BUSY: 0                       # one bit
 *           STATE: [4, 7]                 # bits low..high
 *           MODE: { bits: [8, 9], values: { 0: OFF, 1: ON } }
 *
 * JSON is YAML, so one reader (the `yaml` package, which reports lines) takes both.
 */
import { InputError, parseNumber } from '@mmio-tools/core';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node as YNode, type Pair } from 'yaml';
import { RegisterMap, RegisterSpace, type Bitfield, type RegisterDef } from './regs.js';

export function loadRegisterMap(file: string, text: string): RegisterMap {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const lineOf = (n: unknown) => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  const err = doc.errors[0];
  if (err) throw new InputError(`register map: ${err.message.split('\n')[0]}`, file, lc.linePos(err.pos[0]).line);
  const fail = (n: unknown, msg: string) => new InputError(`register map: ${msg}`, file, lineOf(n));
  const numberOf = (n: unknown, what: string): bigint => {
    const v = isScalar(n) ? parseNumber(String(n.value)) : undefined;
    if (v === undefined) throw fail(n, `${what} ${JSON.stringify(isScalar(n) ? n.value : '?')} is not a number`);
    return v;
  };
  const pairs = (n: unknown, what: string): Pair<YNode, YNode>[] => {
    if (!isMap(n)) throw fail(n, `${what} must be a mapping`);
    return n.items as Pair<YNode, YNode>[];
  };

  const root = doc.contents;
  const regionsNode = isMap(root) ? root.get('regions', true) : undefined;
  if (!regionsNode) throw fail(root, 'expected a top-level "regions" mapping');
  const regions = new Map<number, RegisterSpace>();
  for (const rp of pairs(regionsNode, '"regions"')) {
    const region = Number(numberOf(rp.key, 'region'));
    const regs: RegisterDef[] = [];
    for (const p of pairs(rp.value, `region ${region}`)) {
      const offset = numberOf(p.key, 'offset');
      const v = p.value;
      let def: RegisterDef;
      if (isScalar(v) && typeof v.value === 'string') def = { kind: 'reg', name: v.value, offset, width: 32, fields: [] };
      else {
        const m = isMap(v) ? v : undefined;
        if (!m) throw fail(v ?? p.key, 'a register is a name or a mapping with "name"');
        const nameNode = m.get('name', true);
        if (!isScalar(nameNode) || typeof nameNode.value !== 'string') throw fail(v, 'register without a "name"');
        const width = m.has('width') ? Number(numberOf(m.get('width', true), 'width')) : 32;
        if (![8, 16, 32, 64].includes(width)) throw fail(m.get('width', true), `width ${width} is not 8, 16, 32 or 64`);
        def = { kind: 'reg', name: nameNode.value, offset, width, fields: [] };
        if (m.has('count')) {
          def.length = Number(numberOf(m.get('count', true), 'count'));
          def.stride = m.has('stride') ? numberOf(m.get('stride', true), 'stride') : BigInt(width / 8);
        }
        if (m.has('fields')) for (const fp of pairs(m.get('fields', true), 'fields')) def.fields.push(field(fp, width));
      }
      regs.push(def);
    }
    regions.set(region, new RegisterSpace(regs));
  }
  return new RegisterMap(regions);

  function field(fp: Pair<YNode, YNode>, width: number): Bitfield {
    const name = String(isScalar(fp.key) ? fp.key.value : '');
    let bits: YNode | null | undefined = fp.value;
    let values: Map<bigint, string> | undefined;
    if (isMap(bits)) {
      const vals = bits.get('values', true);
      if (vals) {
        values = new Map();
        for (const vp of pairs(vals, `values of ${name}`)) values.set(numberOf(vp.key, 'value'), String(isScalar(vp.value) ? vp.value.value : ''));
      }
      bits = bits.get('bits', true) as YNode | undefined;
    }
    let low: number, high: number;
    if (isSeq(bits) && bits.items.length === 2) [low, high] = bits.items.map((b) => Number(numberOf(b, 'bit'))) as [number, number];
    else if (isScalar(bits)) low = high = Number(numberOf(bits, 'bit'));
    else throw fail(fp.value ?? fp.key, `field ${name}: give a bit, [low, high] or { bits: ..., values: ... }`);
    if (low > high || high >= width) throw fail(fp.value, `field ${name}: bits ${low}-${high} do not fit a ${width}-bit register`);
    return values ? { name, low, high, values } : { name, low, high };
  }
}
