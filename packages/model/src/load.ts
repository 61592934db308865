/**
 * A model file, written and read back: deterministic JSON (the top level and each list one item a
 * line), and a reader that refuses another schema, a truncated file or a hand-broken field with one
 * line naming the file and the line.
 */
import { InputError } from '@mmio-tools/core';
import { RULE_KINDS, SCHEMA, type Model } from './model.js';

/** The model as its file: the top level one field a line, lists of objects one item a line. */
export function modelJson(m: Model): string {
  const out: string[] = ['{'];
  const keys = Object.keys(m) as (keyof Model)[];
  keys.forEach((k, i) => {
    const v = m[k];
    const comma = i < keys.length - 1 ? ',' : '';
    if (Array.isArray(v) && v.length > 0) {
      out.push(`  ${JSON.stringify(k)}: [`);
      v.forEach((item, j) => out.push(`    ${JSON.stringify(item)}${j < v.length - 1 ? ',' : ''}`));
      out.push(`  ]${comma}`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = Object.entries(v);
      if (inner.length === 0) out.push(`  ${JSON.stringify(k)}: {}${comma}`);
      else {
        out.push(`  ${JSON.stringify(k)}: {`);
        inner.forEach(([ik, iv], j) => out.push(`    ${JSON.stringify(ik)}: ${JSON.stringify(iv)}${j < inner.length - 1 ? ',' : ''}`));
        out.push(`  }${comma}`);
      }
    } else out.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)}${comma}`);
  });
  out.push('}');
  return out.join('\n') + '\n';
}

/** A JSON parser that remembers the line each object, array and member starts on. */
class Parser {
  i = 0;
  line = 1;
  lines = new WeakMap<object, number>();
  memberLines = new WeakMap<object, Map<string | number, number>>();
  constructor(readonly s: string, readonly file: string) {}

  fail(what: string): never {
    throw new InputError(what, this.file, this.line);
  }
  ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === '\n') this.line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      this.i++;
    }
  }
  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('the model ends early (truncated?)');
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m) this.fail(`not JSON: ${JSON.stringify(this.s.slice(this.i, this.i + 12))}`);
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }
  string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') this.fail('a string that does not end (truncated?)');
      if (c === '\\') this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    this.i++;
    try {
      return JSON.parse(this.s.slice(start, this.i)) as string;
    } catch {
      this.fail('a bad string escape');
    }
  }
  object(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const lines = new Map<string | number, number>();
    this.lines.set(o, this.line);
    this.memberLines.set(o, lines);
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return o;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail(this.s[this.i] === undefined ? 'the model ends early (truncated?)' : 'expected a member name');
      const line = this.line;
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(this.s[this.i] === undefined ? 'the model ends early (truncated?)' : `expected ':' after ${JSON.stringify(k)}`);
      this.i++;
      lines.set(k, line);
      o[k] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return o;
      if (c !== ',') this.fail(c === undefined ? 'the model ends early (truncated?)' : `expected ',' or '}', found ${JSON.stringify(c)}`);
    }
  }
  array(): unknown[] {
    const a: unknown[] = [];
    const lines = new Map<string | number, number>();
    this.lines.set(a, this.line);
    this.memberLines.set(a, lines);
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return a;
    }
    for (;;) {
      this.ws();
      lines.set(a.length, this.line);
      a.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return a;
      if (c !== ',') this.fail(c === undefined ? 'the model ends early (truncated?)' : `expected ',' or ']', found ${JSON.stringify(c)}`);
    }
  }
}

const HEX = /^0x[0-9a-f]+$/;

/** Parse and check a model file's text; errors are InputErrors at the line of the bad field. */
export function parseModel(text: string, file: string): Model {
  const p = new Parser(text.replace(/^\ufeff/, ''), file);
  const root = p.value();
  p.ws();
  if (p.i < p.s.length) p.fail('more after the model');
  const bad = (obj: object, key: string | number, what: string): never => {
    throw new InputError(what, file, p.memberLines.get(obj)?.get(key) ?? p.lines.get(obj) ?? 1);
  };
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObj(root)) throw new InputError('not a model (expected a JSON object)', file, 1);
  if (root.schema !== SCHEMA) bad(root, 'schema', root.schema === undefined ? `not a model: no "schema" (expected ${JSON.stringify(SCHEMA)})` : `schema ${JSON.stringify(root.schema)}: this mmio-model reads ${JSON.stringify(SCHEMA)}`);
  for (const k of ['registers', 'bars', 'writeOnly', 'sources', 'notes'] as const) if (!Array.isArray(root[k])) bad(root, k, `"${k}" must be a list`);
  for (const k of ['identity', 'config', 'limits'] as const) if (!isObj(root[k])) bad(root, k, `"${k}" must be an object`);
  const hexOf = (o: Record<string, unknown>, k: string, where: string) => {
    if (typeof o[k] !== 'string' || !HEX.test(o[k] as string)) bad(o, k, `${where}: "${k}" must be a hex string (0x…), not ${JSON.stringify(o[k])}`);
  };
  const intOf = (o: Record<string, unknown>, k: string, where: string, min: number, max: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(o, k, `${where}: "${k}" must be a whole number ${min}-${max}, not ${JSON.stringify(v)}`);
  };
  const pairs = (o: Record<string, unknown>, k: string, where: string) => {
    const t = o[k];
    if (!Array.isArray(t) || t.some((e) => !Array.isArray(e) || e.length !== 2 || !e.every((x) => typeof x === 'string' && HEX.test(x)))) bad(o, k, `${where}: "${k}" must be a list of [hex, hex] pairs`);
  };
  const regKeyRe = /^\d+:0x[0-9a-f]+:[1248]$/;
  (root.bars as unknown[]).forEach((b, i) => {
    if (!isObj(b)) return bad(root.bars as object, i, `bars[${i}]: expected an object`);
    intOf(b, 'index', `BAR`, 0, 5);
    hexOf(b, 'size', `BAR ${b.index}`);
    if (!['mem32', 'mem64', 'io'].includes(b.kind as string)) bad(b, 'kind', `BAR ${b.index}: "kind" must be mem32, mem64 or io`);
  });
  (root.registers as unknown[]).forEach((r, i) => {
    if (!isObj(r)) return bad(root.registers as object, i, `registers[${i}]: expected an object`);
    intOf(r, 'region', `registers[${i}]`, 0, 5);
    hexOf(r, 'offset', `registers[${i}]`);
    if (![1, 2, 4, 8].includes(r.width as number)) bad(r, 'width', `registers[${i}]: "width" must be 1, 2, 4 or 8`);
    const where = `register ${r.region}:${r.offset}:${r.width}`;
    const rule = r.rule;
    if (!isObj(rule)) return bad(r, 'rule', `${where}: "rule" must be an object`);
    if (!(RULE_KINDS as readonly string[]).includes(rule.kind as string)) bad(rule, 'kind', `${where}: rule kind ${JSON.stringify(rule.kind)} is not one of ${RULE_KINDS.join(', ')}`);
    const w = `${where} (${rule.kind})`;
    switch (rule.kind) {
      case 'constant':
        hexOf(rule, 'value', w);
        break;
      case 'storage':
      case 'w1c':
      case 'self-clearing':
        hexOf(rule, 'reset', w);
        hexOf(rule, 'mask', w);
        if (rule.kind === 'w1c') hexOf(rule, 'w1c', w);
        if (rule.kind === 'self-clearing') {
          hexOf(rule, 'clear', w);
          intOf(rule, 'after', w, 0, 1e9);
        }
        break;
      case 'counter':
        hexOf(rule, 'start', w);
        hexOf(rule, 'step', w);
        break;
      case 'poll':
        if (typeof rule.after !== 'string' || !regKeyRe.test(rule.after)) bad(rule, 'after', `${w}: "after" must be a register key REGION:OFFSET:WIDTH`);
        hexOf(rule, 'busy', w);
        hexOf(rule, 'final', w);
        intOf(rule, 'reads', w, 0, 1e9);
        break;
      case 'dataport':
        if (typeof rule.from !== 'string' || !regKeyRe.test(rule.from)) bad(rule, 'from', `${w}: "from" must be a register key REGION:OFFSET:WIDTH`);
        hexOf(rule, 'keyMask', w);
        hexOf(rule, 'default', w);
        pairs(rule, 'table', w);
        break;
      case 'eeprom':
        hexOf(rule, 'reset', w);
        hexOf(rule, 'mask', w);
        hexOf(rule, 'blank', w);
        for (const k of ['cs', 'sk', 'di', 'do']) intOf(rule, k, w, 0, (r.width as number) * 8 - 1);
        intOf(rule, 'addrBits', w, 1, 16);
        intOf(rule, 'readOp', w, 0, 3);
        intOf(rule, 'lead', w, 0, 1);
        if (rule.idle !== 0 && rule.idle !== 1 && rule.idle !== 'last') bad(rule, 'idle', `${w}: "idle" must be 0, 1 or "last"`);
        if (rule.sequential !== undefined && typeof rule.sequential !== 'boolean') bad(rule, 'sequential', `${w}: "sequential" must be true or false`);
        if (rule.edge !== 'rise' && rule.edge !== 'fall') bad(rule, 'edge', `${w}: "edge" must be "rise" or "fall"`);
        if (rule.deselect !== undefined && rule.deselect !== 'idle' && rule.deselect !== 'hold') bad(rule, 'deselect', `${w}: "deselect" must be "idle" or "hold"`);
        pairs(rule, 'words', w);
        break;
      case 'playback': {
        hexOf(rule, 'initial', w);
        const seqs = rule.sequences;
        if (!Array.isArray(seqs)) return bad(rule, 'sequences', `${w}: "sequences" must be a list`);
        seqs.forEach((s, j) => {
          if (!isObj(s) || typeof s.after !== 'string' || !Array.isArray(s.runs) || !s.runs.every((run) => Array.isArray(run) && run.every((x) => typeof x === 'string' && HEX.test(x)))) {
            bad(seqs, j, `${w}: sequences[${j}] must be {"after": "KEY=VALUE", "runs": [[hex, …], …]}`);
          }
        });
        break;
      }
    }
    if (r.recorded !== undefined && (!Array.isArray(r.recorded) || !r.recorded.every((x) => typeof x === 'string' && HEX.test(x)))) bad(r, 'recorded', `${where}: "recorded" must be a list of hex strings`);
  });
  return root as unknown as Model;
}
