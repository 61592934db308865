/**
 * envytools rnndb XML databases (the register database of nouveau, freedreno and others):
 * <database> with <import file>, <enum>/<value>, <bitset>/<bitfield>, <group>/<use-group>,
 * and <domain name width> holding <reg8|16|32|64 offset name [length stride] [type]>,
 * <array offset name stride length> and <stripe offset stride length [name]>. Bitfields take
 * low/high or pos, and an enum by `type` or inline <value>s. Offsets are in units of the
 * domain's `width` bits (8 unless given). Variants are not evaluated: where registers of
 * several chipsets share an offset, the first in file order names it.
 * XML is read with saxes (a conforming, maintained parser); every error names file and line.
 */
import { dirname, resolve } from 'node:path';
import { SaxesParser } from 'saxes';
import { InputError, parseNumber, readTextFileSync } from '@mmio-tools/core';
import { RegisterMap, RegisterSpace, type Bitfield, type Item, type RegisterDef } from './regs.js';

interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: Node[];
  file: string;
  line: number;
}

/** Parse one XML file into a tree of elements with their lines. */
export function readXml(file: string, text: string): Node {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let error: InputError | undefined;
  parser.on('error', (e) => {
    error ??= new InputError(`XML: ${e.message.replace(/^\d+:\d+: /, '')}`, file, parser.line);
  });
  parser.on('opentag', (t) => {
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(t.attributes)) attrs[k.replace(/^.*:/, '')] = String(v);
    const node: Node = { tag: t.name.replace(/^.*:/, ''), attrs, children: [], file, line: parser.line };
    if (stack.length) stack[stack.length - 1]!.children.push(node);
    else root ??= node;
    if (!t.isSelfClosing) stack.push(node);
  });
  parser.on('closetag', (t) => {
    if (!t.isSelfClosing) stack.pop();
  });
  parser.write(text).close();
  if (error) throw error;
  if (!root) throw new InputError('XML: no root element', file, 1);
  return root;
}

const fail = (n: Node, msg: string) => new InputError(`rnndb: <${n.tag}> ${msg}`, n.file, n.line);

function num(n: Node, attr: string, required: true): bigint;
function num(n: Node, attr: string, required?: false): bigint | undefined;
function num(n: Node, attr: string, required = false): bigint | undefined {
  const text = n.attrs[attr];
  if (text === undefined) {
    if (required) throw fail(n, `needs a "${attr}" attribute`);
    return undefined;
  }
  const v = parseNumber(text);
  if (v === undefined) throw fail(n, `${attr}="${text}" is not a number`);
  return v;
}

function name(n: Node): string {
  const v = n.attrs.name;
  if (!v) throw fail(n, 'needs a "name" attribute');
  return v;
}

/** Everything defined at the top level of a database and the files it imports. */
interface Db {
  enums: Map<string, Map<bigint, string>>;
  bitsets: Map<string, Node>;
  groups: Map<string, Node>;
  domains: Map<string, Node[]>;
}

function collect(node: Node, db: Db, seen: Set<string>): void {
  for (const c of node.children) {
    switch (c.tag) {
      case 'import': {
        const file = c.attrs.file;
        if (!file) throw fail(c, 'needs a "file" attribute');
        const path = resolve(dirname(c.file), file);
        if (seen.has(path)) break;
        seen.add(path);
        let text: string;
        try {
          text = readTextFileSync(path, 64 << 20);
        } catch (e) {
          throw fail(c, `cannot read ${path}: ${e instanceof InputError ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
        }
        collect(readXml(path, text), db, seen);
        break;
      }
      case 'enum':
        db.enums.set(name(c), enumValues(c));
        break;
      case 'bitset':
        db.bitsets.set(name(c), c);
        break;
      case 'group':
        db.groups.set(name(c), c);
        break;
      case 'domain': {
        const list = db.domains.get(name(c)) ?? [];
        list.push(c); // a domain may be continued in several files
        db.domains.set(name(c), list);
        break;
      }
    }
  }
}

function enumValues(n: Node): Map<bigint, string> {
  const m = new Map<bigint, string>();
  for (const v of n.children) {
    if (v.tag !== 'value') continue;
    const val = num(v, 'value');
    if (val !== undefined) m.set(val, name(v));
  }
  return m;
}

function bitfields(owner: Node, db: Db, regWidth: number, seen: Set<Node> = new Set()): Bitfield[] {
  const out: Bitfield[] = [];
  const type = owner.attrs.type;
  if (seen.has(owner)) throw fail(owner, `is typed by itself (a cycle of bitset types)`);
  seen.add(owner);
  if (type) for (const t of type.split(/\s+/)) {
    const bs = db.bitsets.get(t);
    if (bs) for (const f of bitfields(bs, db, regWidth, seen)) out.push(f);
  }
  seen.delete(owner);
  for (const c of owner.children) {
    if (c.tag !== 'bitfield') continue;
    const pos = num(c, 'pos');
    const low = pos ?? num(c, 'low', true);
    const high = pos ?? num(c, 'high', true);
    if (high < low || high >= BigInt(regWidth)) throw fail(c, `bits ${low}-${high} do not fit a ${regWidth}-bit register`);
    const f: Bitfield = { name: name(c), low: Number(low), high: Number(high) };
    const inline = enumValues(c);
    const values = inline.size ? inline : c.attrs.type ? db.enums.get(c.attrs.type) : undefined;
    if (values) f.values = values;
    out.push(f);
  }
  return out;
}

const REG_WIDTH = new Map<string, number>([
  ['reg8', 8],
  ['reg16', 16],
  ['reg32', 32],
  ['reg64', 64],
]);

function items(parent: Node, db: Db, unit: bigint, depth = 0): Item[] {
  if (depth > 32) throw fail(parent, 'nests too deep (a group that uses itself?)');
  const out: Item[] = [];
  for (const c of parent.children) {
    const width = REG_WIDTH.get(c.tag);
    if (width !== undefined) {
      const r: RegisterDef = { kind: 'reg', name: name(c), offset: num(c, 'offset', true) * unit, width, fields: bitfields(c, db, width) };
      const length = num(c, 'length');
      if (length !== undefined && length > 1n) {
        r.length = Number(length);
        r.stride = (num(c, 'stride') ?? BigInt(width / 8) / unit) * unit;
      }
      out.push(r);
    } else if (c.tag === 'array' || c.tag === 'stripe') {
      const length = num(c, 'length') ?? 1n;
      const stride = num(c, 'stride') ?? 0n;
      if (length > 1n && stride === 0n) throw fail(c, 'has a length but no stride');
      out.push({
        kind: 'array',
        name: c.tag === 'array' ? name(c) : c.attrs.name,
        offset: (num(c, 'offset') ?? 0n) * unit,
        stride: stride === 0n ? 1n << 62n : stride * unit,
        length: Number(length),
        children: items(c, db, unit, depth + 1),
      });
    } else if (c.tag === 'use-group') {
      const g = db.groups.get(name(c));
      if (!g) throw fail(c, `uses an unknown group "${c.attrs.name}"`);
      for (const it of items(g, db, unit, depth + 1)) out.push(it);
    }
  }
  return out;
}

/** Load an rnndb database and the registers of one domain (the only one, or `domain`), for `region`. */
export function loadRnndb(file: string, text: string, opts: { domain?: string; region: number }): RegisterMap {
  const db: Db = { enums: new Map(), bitsets: new Map(), groups: new Map(), domains: new Map() };
  const root = readXml(file, text);
  if (root.tag === 'domain') db.domains.set(name(root), [root]);
  else collect(root, db, new Set([resolve(file)]));
  const names = [...db.domains.keys()];
  if (names.length === 0) throw new InputError('rnndb: no <domain> in the database', file);
  const pick = opts.domain ?? (names.length === 1 ? names[0]! : undefined);
  if (pick === undefined) throw new InputError(`rnndb: ${names.length} domains (${names.join(', ')}); choose one with --domain`, file);
  const domains = db.domains.get(pick);
  if (!domains) throw new InputError(`rnndb: no domain "${pick}" (there are: ${names.join(', ')})`, file);
  const list: Item[] = [];
  for (const d of domains) {
    const bits = num(d, 'width') ?? 8n;
    if (bits % 8n !== 0n || bits === 0n) throw fail(d, `width="${d.attrs.width}" is not a multiple of 8`);
    for (const it of items(d, db, bits / 8n)) list.push(it);
  }
  return new RegisterMap(new Map([[opts.region, new RegisterSpace(list)]]));
}
