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
 * JSON (text that starts with `{`) is read by a reader of its own, in linear time; YAML by the `yaml`
 * package, up to 1 MiB. Both report lines; a key given twice in one mapping is an error.
 */
import { InputError, parseNumber } from '@mmio-tools/core';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node as YNode } from 'yaml';
import { RegisterMap, RegisterSpace, type Bitfield, type RegisterDef } from './regs.js';

/**
 * A YAML map is read up to this size: the yaml package takes seconds per MiB (its reader is not
 * linear). A JSON map (text that starts with `{`) is read by the reader below, in linear time, up
 * to the database bound (64 MiB).
 */
export const MAX_YAML = 1 << 20;
/** Mappings and lists nest at most this deep, as in event streams. */
const MAX_DEPTH = 64;

/** The map as read, JSON or YAML: mappings (keys in order, each once), lists and scalars, with their lines. */
type MNode =
  | { kind: 'map'; line: number; entries: [MScalar, MNode][] }
  | { kind: 'seq'; line: number; items: MNode[] }
  | MScalar;
interface MScalar {
  kind: 'scalar';
  line: number;
  value: unknown;
  /** A number's text as written (JSON numbers past 2^53 keep their digits). */
  text?: string;
}

const WORDS: [string, boolean | null][] = [['true', true], ['false', false], ['null', null]];
const NUMBER_CHAR = /[-+.eE0-9]/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** JSON with the line of every value, in one pass; duplicate keys and nesting past 64 levels are errors. */
export function readJsonMap(file: string, text: string): MNode {
  let i = 0;
  let line = 1;
  const n = text.length;
  const err = (msg: string) => new InputError(`register map: ${msg}`, file, line);
  const space = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) break;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    let plain = true;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        plain = false;
        i++;
      } else if (c < 32) throw err('a control character inside a JSON string');
    }
    if (i >= n) throw err('a JSON string is not closed');
    i++;
    if (plain) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw err(`bad escape in the JSON string ${text.slice(start, Math.min(i, start + 40))}`);
    }
  };
  const value = (depth: number): MNode => {
    space();
    if (i >= n) throw err('the JSON text ends early');
    if (depth > MAX_DEPTH) throw err(`nests mappings or lists deeper than ${MAX_DEPTH} levels`);
    const c = text[i];
    const at = line;
    if (c === '{') {
      i++;
      const entries: [MScalar, MNode][] = [];
      const seen = new Map<string, number>();
      space();
      if (text[i] === '}') {
        i++;
        return { kind: 'map', line: at, entries };
      }
      for (;;) {
        space();
        if (text[i] !== '"') throw err('expected a "key" in a JSON object');
        const kline = line;
        const k = str();
        const first = seen.get(k);
        if (first !== undefined) throw err(`key ${JSON.stringify(k)} is given twice (first on line ${first})`);
        seen.set(k, kline);
        space();
        if (text[i] !== ':') throw err('expected ":" after a key');
        i++;
        entries.push([{ kind: 'scalar', line: kline, value: k }, value(depth + 1)]);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'map', line: at, entries };
        }
        throw err('expected "," or "}" in a JSON object');
      }
    }
    if (c === '[') {
      i++;
      const items: MNode[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return { kind: 'seq', line: at, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'seq', line: at, items };
        }
        throw err('expected "," or "]" in a JSON list');
      }
    }
    if (c === '"') return { kind: 'scalar', line: at, value: str() };
    for (const [word, v] of WORDS) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'scalar', line: at, value: v };
      }
    }
    const start = i;
    while (i < n && NUMBER_CHAR.test(text[i]!)) i++;
    const t = text.slice(start, i);
    if (!NUMBER.test(t)) throw err(`unexpected ${JSON.stringify(text.slice(start, start + 12))} in JSON`);
    return { kind: 'scalar', line: at, value: Number(t), text: t };
  };
  const root = value(1);
  space();
  if (i < n) throw err('more after the JSON value');
  return root;
}

/** YAML (up to MAX_YAML bytes), read by the yaml package, as the same nodes; duplicate keys are errors. */
function readYamlMap(file: string, text: string): MNode {
  if (text.length > MAX_YAML) throw new InputError(`register map: YAML of ${text.length} characters: YAML maps are read up to ${MAX_YAML} (1 MiB); write a larger map as JSON (e.g. yq -o json)`, file);
  const lc = new LineCounter();
  // uniqueKeys off: the yaml package compares every key with every other; the check below is linear.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) throw new InputError(`register map: ${err.message.split('\n')[0]}`, file, lc.linePos(err.pos[0]).line);
  const lineOf = (n: unknown) => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return r ? lc.linePos(r[0]).line : 0;
  };
  const conv = (y: unknown, depth: number, parentLine: number): MNode => {
    const line = lineOf(y) || parentLine;
    if (depth > MAX_DEPTH) throw new InputError(`register map: nests mappings or lists deeper than ${MAX_DEPTH} levels`, file, line);
    if (isMap(y)) {
      const entries: [MScalar, MNode][] = [];
      const seen = new Map<string, number>();
      for (const p of y.items) {
        const kl = lineOf(p.key) || line;
        if (!isScalar(p.key)) throw new InputError('register map: a key must be a number or a name', file, kl);
        const id = `${typeof p.key.value}:${String(p.key.value)}`;
        const first = seen.get(id);
        if (first !== undefined) throw new InputError(`register map: key ${JSON.stringify(String(p.key.value))} is given twice (first on line ${first})`, file, kl);
        seen.set(id, kl);
        entries.push([{ kind: 'scalar', line: kl, value: p.key.value }, conv(p.value, depth + 1, kl)]);
      }
      return { kind: 'map', line, entries };
    }
    if (isSeq(y)) return { kind: 'seq', line, items: y.items.map((x) => conv(x, depth + 1, line)) };
    if (isScalar(y)) return { kind: 'scalar', line, value: y.value, text: typeof y.value === 'number' ? (y.source ?? String(y.value)) : undefined };
    return { kind: 'scalar', line, value: null };
  };
  return conv(doc.contents, 1, 1);
}

export function loadRegisterMap(file: string, text: string): RegisterMap {
  let root: MNode;
  if (/^[\s\ufeff]*\{/.test(text)) {
    try {
      root = readJsonMap(file, text);
    } catch (e) {
      // Not JSON after all (a YAML flow mapping): YAML, if it is small enough; else the JSON error.
      if (text.length > MAX_YAML) throw e;
      try {
        root = readYamlMap(file, text);
      } catch {
        throw e;
      }
    }
  } else root = readYamlMap(file, text);
  return mapOf(file, root);
}

function mapOf(file: string, root: MNode): RegisterMap {
  const fail = (n: MNode | undefined, msg: string) => new InputError(`register map: ${msg}`, file, n?.line);
  const shown = (n: MNode) => (n.kind === 'scalar' ? (n.text ?? n.value) : '?');
  const numberOf = (n: MNode, what: string): bigint => {
    const v = n.kind === 'scalar' && n.value !== null && typeof n.value !== 'boolean' ? parseNumber(n.text ?? String(n.value)) : undefined;
    if (v === undefined) throw fail(n, `${what} ${JSON.stringify(shown(n))} is not a number`);
    return v;
  };
  const pairs = (n: MNode, what: string): [MScalar, MNode][] => {
    if (n.kind !== 'map') throw fail(n, `${what} must be a mapping`);
    return n.entries;
  };
  const get = (n: MNode, key: string): MNode | undefined => (n.kind === 'map' ? n.entries.find(([k]) => k.value === key)?.[1] : undefined);

  const regionsNode = get(root, 'regions');
  if (!regionsNode) throw fail(root, 'expected a top-level "regions" mapping');
  const regions = new Map<number, RegisterSpace>();
  for (const [rk, rv] of pairs(regionsNode, '"regions"')) {
    const region = Number(numberOf(rk, 'region'));
    const regs: RegisterDef[] = [];
    for (const [k, v] of pairs(rv, `region ${region}`)) {
      const offset = numberOf(k, 'offset');
      let def: RegisterDef;
      if (v.kind === 'scalar' && typeof v.value === 'string') def = { kind: 'reg', name: v.value, offset, width: 32, fields: [] };
      else {
        if (v.kind !== 'map') throw fail(v, 'a register is a name or a mapping with "name"');
        const nameNode = get(v, 'name');
        if (nameNode?.kind !== 'scalar' || typeof nameNode.value !== 'string') throw fail(v, 'register without a "name"');
        const widthNode = get(v, 'width');
        const width = widthNode ? Number(numberOf(widthNode, 'width')) : 32;
        if (![8, 16, 32, 64].includes(width)) throw fail(widthNode, `width ${width} is not 8, 16, 32 or 64`);
        def = { kind: 'reg', name: nameNode.value, offset, width, fields: [] };
        const countNode = get(v, 'count');
        if (countNode) {
          const count = numberOf(countNode, 'count');
          if (count < 1n || count > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(countNode, `count ${count} of ${def.name}: give at least 1`);
          def.length = Number(count);
          const strideNode = get(v, 'stride');
          def.stride = strideNode ? numberOf(strideNode, 'stride') : BigInt(width / 8);
          // A register array whose registers all sit at one offset has no meaning: each access would be every element.
          if (def.stride === 0n && def.length > 1) throw fail(strideNode, `stride 0 with count ${def.length} puts every register of ${def.name} at one offset; give the distance between them in bytes (default: the width, ${width / 8})`);
        }
        const fieldsNode = get(v, 'fields');
        if (fieldsNode) for (const fp of pairs(fieldsNode, 'fields')) def.fields.push(field(fp, width));
      }
      regs.push(def);
    }
    regions.set(region, new RegisterSpace(regs));
  }
  return new RegisterMap(regions);

  function field([fk, fv]: [MScalar, MNode], width: number): Bitfield {
    const name = String(fk.value ?? '');
    let bits: MNode | undefined = fv;
    let values: Map<bigint, string> | undefined;
    if (bits.kind === 'map') {
      const vals = get(bits, 'values');
      if (vals) {
        values = new Map();
        for (const [vk, vv] of pairs(vals, `values of ${name}`)) values.set(numberOf(vk, 'value'), String(vv.kind === 'scalar' ? vv.value : ''));
      }
      bits = get(bits, 'bits');
    }
    let low: number, high: number;
    if (bits?.kind === 'seq' && bits.items.length === 2) [low, high] = bits.items.map((b) => Number(numberOf(b, 'bit'))) as [number, number];
    else if (bits?.kind === 'scalar') low = high = Number(numberOf(bits, 'bit'));
    else throw fail(fv, `field ${name}: give a bit, [low, high] or { bits: ..., values: ... }`);
    if (low > high || high >= width) throw fail(fv, `field ${name}: bits ${low}-${high} do not fit a ${width}-bit register`);
    return values ? { name, low, high, values } : { name, low, high };
  }
}
