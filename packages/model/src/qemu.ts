/**
 * `mmio-model qemu`: a model (docs/model.md) as one self-contained C file of a QEMU PCI device,
 * written the way QEMU's own hw/misc/edu.c is (a TypeInfo, a MemoryRegionOps per BAR,
 * pci_register_bar), for QEMU 7.2 and, where the API moved, current QEMU (QEMU_VERSION_MAJOR).
 *
 * The file has two parts. The answering logic is plain C99 over <stdint.h>: tables of the model's
 * rules and `mm_reset`, `mm_read`, `mm_write`, a port of `DeviceState` in model.ts, statement for
 * statement, so that a register answers in QEMU exactly as `mmio-model check` answers it. Compiled
 * with -DMMIO_MODEL_STANDALONE it is only that (the tests drive it with a stub harness). The QEMU glue
 * (#ifndef MMIO_MODEL_STANDALONE) presents the model's identity, BARs and config space and calls the
 * answering logic from each BAR's read and write callbacks.
 */
import { SCHEMA, parseRegKey, regKey, type BarModel, type Model, type RegisterModel, type Rule } from './model.js';

export interface QemuOptions {
  /** The QOM type name, what `-device` takes. Default: `mmio-VVVV-DDDD` from the model's IDs. */
  type?: string;
  /** The model's file name, for the header comment. */
  source?: string;
  /** BARs that answer as another BAR: [bar, as] (`--alias 1=0`: BAR 1 is a window on BAR 0's registers). */
  aliases?: [number, number][];
  /** Told what the device makes up where the model is silent (a class code it lacks). */
  warn?: (message: string) => void;
}

/** A model the generator cannot make a device of: what is wrong, in one line. */
export class QemuModelError extends Error {
  override name = 'QemuModelError';
}

const U64 = (1n << 64n) - 1n;
const KINDS = ['constant', 'storage', 'w1c', 'self-clearing', 'counter', 'poll', 'dataport', 'eeprom', 'playback'] as const;
const KIND_C: Record<(typeof KINDS)[number], string> = {
  constant: 'MM_CONSTANT',
  storage: 'MM_STORAGE',
  w1c: 'MM_W1C',
  'self-clearing': 'MM_SELF_CLEARING',
  counter: 'MM_COUNTER',
  poll: 'MM_POLL',
  dataport: 'MM_DATAPORT',
  eeprom: 'MM_EEPROM',
  playback: 'MM_PLAYBACK',
};

/** A QOM type name: what QEMU accepts in -device, and short enough to read. */
const TYPE_RE = /^[a-z][a-z0-9-]{0,47}$/;

/** Whether `type` can name a generated device (--type). */
export function validTypeName(type: string): boolean {
  return TYPE_RE.test(type);
}

function hex4(s: string | undefined): string {
  return s === undefined ? '' : BigInt(s).toString(16).padStart(4, '0');
}

/** The type name a model gets without --type: mmio-VVVV-DDDD. */
export function defaultTypeName(model: Pick<Model, 'identity'>): string {
  const { vendor, device } = model.identity;
  if (vendor === undefined || device === undefined) return 'mmio-model-device';
  return `mmio-${hex4(vendor)}-${hex4(device)}`;
}

/** The C file's name in a QEMU tree: hw/misc/TYPE.c with dashes as underscores. */
export function qemuFileName(type: string): string {
  return type.replace(/-/g, '_') + '.c';
}

/** A number of the model as a C constant (64-bit unsigned); refuses what does not fit. */
function num(s: string, what: string): bigint {
  let n: bigint;
  try {
    if (!/^0x[0-9a-fA-F]+$/.test(s)) throw new Error();
    n = BigInt(s);
  } catch {
    throw new QemuModelError(`${what}: ${JSON.stringify(s)} is not a hex number`);
  }
  if (n > U64) throw new QemuModelError(`${what}: ${s} does not fit in 64 bits`);
  return n;
}
const c64 = (n: bigint): string => `0x${n.toString(16)}ull`;

/** A "REGION:OFFSET:WIDTH" key as the C side compares it: only a key in regKey's own spelling can ever match (model.ts compares strings). */
function canonicalKey(key: string): { region: number; offset: bigint; width: number } | undefined {
  const k = parseRegKey(key);
  if (!k || regKey(k.region, k.offset, k.width) !== key) return undefined;
  return k;
}

interface Tables {
  watch: { key: string; region: number; offset: bigint; width: number }[];
  pairs: [bigint, bigint][];
  wkeys: { key: string; region: number; offset: bigint; width: number; value: bigint }[];
  seqs: { after: number; run: number; nruns: number }[];
  runs: { first: number; n: number }[];
  values: bigint[];
}

function watchIndex(t: Tables, key: string): number {
  const k = canonicalKey(key);
  if (!k) return -1; // never matches, as in model.ts where a non-canonical key is never written
  let i = t.watch.findIndex((w) => w.key === key);
  if (i < 0) {
    i = t.watch.length;
    t.watch.push({ key, ...k });
  }
  return i;
}

/** The id of a playback `after` write: 0 for "" (before any write), -1 for one that can never happen. */
function wkeyId(t: Tables, after: string): number {
  if (after === '') return 0;
  const eq = after.lastIndexOf('=');
  if (eq < 0) return -1;
  const k = canonicalKey(after.slice(0, eq));
  const vs = after.slice(eq + 1);
  if (!k || !/^0x(0|[1-9a-f][0-9a-f]*)$/.test(vs)) return -1;
  const value = BigInt(vs);
  const all = k.width >= 8 ? U64 : (1n << BigInt(8 * k.width)) - 1n;
  if (value > all) return -1; // a write is masked to its width: this one never happens
  let i = t.wkeys.findIndex((w) => w.key === after);
  if (i < 0) {
    i = t.wkeys.length;
    t.wkeys.push({ key: after, ...k, value });
  }
  return i + 1;
}

function field(name: string, value: string | number): string {
  return `.${name} = ${value}`;
}

/** One register's row of mm_rules: the register and its rule's fields (docs/model.md). */
function ruleRow(reg: RegisterModel, t: Tables, where: string): string {
  const rule: Rule = reg.rule;
  if (!(KINDS as readonly string[]).includes(rule.kind)) throw new QemuModelError(`${where}: rule kind ${JSON.stringify(rule.kind)} is not one of ${KINDS.join(', ')}`);
  const f: string[] = [field('region', reg.region), field('offset', c64(num(reg.offset, `${where} offset`))), field('width', reg.width), field('kind', KIND_C[rule.kind])];
  const n = (s: string, what: string) => c64(num(s, `${where} ${what}`));
  const count = (x: number, what: string): number => {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new QemuModelError(`${where} ${what}: ${x} is not a count`);
    return x;
  };
  const bitNo = (x: number, what: string): number => {
    if (!Number.isInteger(x) || x < 0 || x >= reg.width * 8) throw new QemuModelError(`${where} ${what}: bit ${x} is not in a ${reg.width}-byte register`);
    return x;
  };
  switch (rule.kind) {
    case 'constant':
      f.push(field('value', n(rule.value, 'value')));
      break;
    case 'storage':
      f.push(field('reset', n(rule.reset, 'reset')), field('mask', n(rule.mask, 'mask')));
      break;
    case 'w1c':
      f.push(field('reset', n(rule.reset, 'reset')), field('mask', n(rule.mask, 'mask')), field('w1c', n(rule.w1c, 'w1c')));
      break;
    case 'self-clearing':
      f.push(field('reset', n(rule.reset, 'reset')), field('mask', n(rule.mask, 'mask')), field('clear', n(rule.clear, 'clear')), field('count', count(rule.after, 'after')));
      break;
    case 'counter':
      f.push(field('reset', n(rule.start, 'start')), field('step', n(rule.step, 'step')));
      break;
    case 'poll':
      f.push(field('watch', watchIndex(t, rule.after)), field('busy', n(rule.busy, 'busy')), field('count', count(rule.reads, 'reads')), field('final', n(rule.final, 'final')));
      break;
    case 'dataport': {
      // as model.ts reads it: a Map (a repeated key: the last wins), looked up by number
      const first = t.pairs.length;
      const table = new Map(rule.table.map(([k, v]) => [num(k, `${where} table key`), num(v, `${where} table value`)] as const));
      t.pairs.push(...[...table].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
      f.push(field('watch', watchIndex(t, rule.from)), field('mask', n(rule.keyMask, 'keyMask')), field('dflt', n(rule.default, 'default')), field('table', first), field('ntable', table.size));
      break;
    }
    case 'eeprom': {
      const first = t.pairs.length;
      const words = new Map(rule.words.map(([a, w]) => [num(a, `${where} word address`), num(w, `${where} word`)] as const));
      t.pairs.push(...[...words].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
      if (rule.idle !== 0 && rule.idle !== 1 && rule.idle !== 'last') throw new QemuModelError(`${where} idle: ${JSON.stringify(rule.idle)} is not 0, 1 or "last"`);
      if (!Number.isInteger(rule.addrBits) || rule.addrBits < 1 || rule.addrBits > 24) throw new QemuModelError(`${where} addrBits: ${rule.addrBits} is not 1-24`);
      if (rule.edge !== 'rise' && rule.edge !== 'fall') throw new QemuModelError(`${where} edge: ${JSON.stringify(rule.edge)} is not rise or fall`);
      f.push(
        field('reset', n(rule.reset, 'reset')),
        field('mask', n(rule.mask, 'mask')),
        field('cs', bitNo(rule.cs, 'cs')),
        field('sk', bitNo(rule.sk, 'sk')),
        field('di', bitNo(rule.di, 'di')),
        field('dout', bitNo(rule.do, 'do')),
        field('addr_bits', rule.addrBits),
        field('read_op', count(rule.readOp, 'readOp') > 3 ? 0xff : rule.readOp), // the opcode is 2 bits: another never matches
        field('lead', count(rule.lead, 'lead')),
        field('edge_fall', rule.edge === 'fall' ? 1 : 0),
        field('hold', rule.deselect === 'hold' ? 1 : 0),
        field('sequential', rule.sequential ? 1 : 0),
        field('idle', rule.idle === 'last' ? 2 : rule.idle),
        field('dflt', n(rule.blank, 'blank')),
        field('table', first),
        field('ntable', words.size),
      );
      break;
    }
    case 'playback': {
      const first = t.seqs.length;
      for (const s of rule.sequences) {
        const id = wkeyId(t, s.after);
        const run = t.runs.length;
        for (const r of s.runs) {
          t.runs.push({ first: t.values.length, n: r.length });
          for (const v of r) t.values.push(num(v, `${where} playback value`));
        }
        t.seqs.push({ after: id, run, nruns: s.runs.length });
      }
      f.push(field('reset', n(rule.initial, 'initial')), field('table', first), field('ntable', rule.sequences.length));
      break;
    }
  }
  return `    { ${f.join(', ')} },`;
}

/** A C string literal of plain text (comments and names only). */
const cstr = (s: string): string => JSON.stringify(s).replace(/\?/g, '\\?');
/** Text that may stand in a C comment. */
const ccomment = (s: string): string => s.replace(/\*\//g, '*\\/').replace(/[^\x20-\x7e]/g, '?');

/** The answering logic: tables and mm_reset / mm_read / mm_write, C99 over stdint. */
function answeringLogic(model: Model, prefixNotes: string[]): string {
  const t: Tables = { watch: [], pairs: [], wkeys: [], seqs: [], runs: [], values: [] };
  const rows: string[] = [];
  const seen = new Set<string>();
  model.registers.forEach((reg, i) => {
    const key = regKey(reg.region, num(reg.offset, `registers[${i}] offset`), reg.width);
    if (seen.has(key)) throw new QemuModelError(`registers[${i}]: register ${key} twice`);
    seen.add(key);
    if (![1, 2, 4, 8].includes(reg.width)) throw new QemuModelError(`registers[${i}]: width ${reg.width} is not 1, 2, 4 or 8`);
    if (!Number.isInteger(reg.region) || reg.region < 0 || reg.region > 5) throw new QemuModelError(`registers[${i}]: region ${reg.region} is not a BAR (0-5)`);
    rows.push(ruleRow(reg, t, `registers[${i}] (${regKey(reg.region, reg.offset, reg.width)})`));
  });
  const size = (n: number) => Math.max(1, n);
  const L: string[] = [];
  L.push(
    '/* ------------------------------------------------------------------------------------------',
    ' * The answering logic: the model\'s rules (docs/model.md), as `mmio-model check` answers them.',
    ' * Plain C99; compiled alone with -DMMIO_MODEL_STANDALONE. Registers are (BAR, offset, width).',
    ' * ------------------------------------------------------------------------------------------ */',
    '',
    'enum { MM_CONSTANT, MM_STORAGE, MM_W1C, MM_SELF_CLEARING, MM_COUNTER, MM_POLL, MM_DATAPORT,',
    '       MM_EEPROM, MM_PLAYBACK };',
    '',
    '/* One register and its rule. Which fields a kind uses:',
    ' *   constant       value',
    ' *   storage        reset, mask                   w1c: and w1c',
    ' *   self-clearing  reset, mask, clear, count (reads a written 1 stays before it reads 0)',
    ' *   counter        reset (start), step',
    ' *   poll           watch (the register whose write starts it), busy, count (reads), final',
    ' *   dataport       watch (the register whose last written value is the key), mask (key mask),',
    ' *                  dflt, mm_pairs[table, table + ntable)',
    ' *   eeprom         reset, mask, cs, sk, di, dout (bit numbers), addr_bits, read_op, lead,',
    ' *                  edge_fall, hold (deselect), sequential, idle (0, 1, 2: the last bit), dflt',
    ' *                  (blank word), words in mm_pairs[table, table + ntable)',
    ' *   playback       reset (initial), mm_seqs[table, table + ntable) */',
    'typedef struct MMRule {',
    '    uint8_t region, width, kind;',
    '    uint64_t offset;',
    '    uint64_t value, reset, mask, w1c, clear, step, busy, final, dflt;',
    '    uint32_t count;',
    '    int32_t watch;',
    '    uint32_t table, ntable;',
    '    uint32_t lead;',
    '    uint8_t cs, sk, di, dout, addr_bits, read_op, edge_fall, hold, sequential, idle; /* idle 2: the last bit */',
    '} MMRule;',
    '',
    'typedef struct MMRef { uint8_t region, width; uint64_t offset; } MMRef;',
    'typedef struct MMPair { uint64_t key, value; } MMPair;',
    '/* A device write that playback sequences are keyed by: id = index + 1 (0: before any write). */',
    'typedef struct MMWriteKey { uint8_t region, width; uint64_t offset, value; } MMWriteKey;',
    'typedef struct MMSeq { int32_t after; uint32_t run, nruns; } MMSeq;',
    'typedef struct MMRun { uint32_t first, n; } MMRun;',
    '',
    `#define MM_NRULES ${model.registers.length}`,
    `#define MM_NWATCH ${t.watch.length}`,
    `#define MM_NWKEYS ${t.wkeys.length}`,
    '',
    `static const MMRule mm_rules[${size(rows.length)}] = {`,
    ...(rows.length ? rows : ['    { .kind = MM_CONSTANT }, /* none: a placeholder, MM_NRULES is 0 */']),
    '};',
    '',
    '/* Registers named by poll (after) and dataport (from) rules. */',
    `static const MMRef mm_watch[${size(t.watch.length)}] = {`,
    ...(t.watch.length ? t.watch.map((w) => `    { ${w.region}, ${w.width}, ${c64(w.offset)} }, /* ${w.key} */`) : ['    { 0, 0, 0 },']),
    '};',
    '',
    '/* Data port tables ([key, value]) and EEPROM words ([address, word]), each sorted. */',
    `static const MMPair mm_pairs[${size(t.pairs.length)}] = {`,
    ...(t.pairs.length ? chunkLines(t.pairs.map(([k, v]) => `{ ${c64(k)}, ${c64(v)} }`), 3) : ['    { 0, 0 },']),
    '};',
    '',
    `static const MMWriteKey mm_wkeys[${size(t.wkeys.length)}] = {`,
    ...(t.wkeys.length ? t.wkeys.map((w) => `    { ${w.region}, ${w.width}, ${c64(w.offset)}, ${c64(w.value)} }, /* ${w.key} */`) : ['    { 0, 0, 0, 0 },']),
    '};',
    `static const MMSeq mm_seqs[${size(t.seqs.length)}] = {`,
    ...(t.seqs.length ? chunkLines(t.seqs.map((s) => `{ ${s.after}, ${s.run}, ${s.nruns} }`), 6) : ['    { 0, 0, 0 },']),
    '};',
    `static const MMRun mm_runs[${size(t.runs.length)}] = {`,
    ...(t.runs.length ? chunkLines(t.runs.map((r) => `{ ${r.first}, ${r.n} }`), 8) : ['    { 0, 0 },']),
    '};',
    `static const uint64_t mm_values[${size(t.values.length)}] = {`,
    ...(t.values.length ? chunkLines(t.values.map(c64), 6) : ['    0,']),
    '};',
    '',
  );
  for (const n of prefixNotes) L.push(`/* ${ccomment(n)} */`);
  L.push(C_LOGIC);
  return L.join('\n');
}

function chunkLines(items: string[], per: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += per) out.push('    ' + items.slice(i, i + per).join(', ') + ',');
  return out;
}

/** The state machines: a port of DeviceState (model.ts), in the same order, statement for statement. */
const C_LOGIC = String.raw`typedef struct MMEeprom {
    bool cs, sk, started;
    uint32_t n_in;
    uint64_t shift;
    int64_t index;              /* -1: not shifting a word out */
    uint64_t addr;
    int64_t last_addr;          /* the last bit driven: its word (-1: a 0, the dummy bit or none yet) */
    unsigned last_bit;
} MMEeprom;

typedef struct MMRegState {
    uint64_t v;                 /* the value (bit rules, counter, eeprom's other bits, playback's held value) */
    uint64_t pending;           /* self-clearing: the written 1s still to clear */
    uint32_t left;              /* self-clearing: reads before they clear */
    uint64_t poll_reads;        /* poll: reads since the write that started it */
    uint64_t seq_index, seq_at; /* playback: reads since the device's write number seq_at */
    MMEeprom ee;
} MMRegState;

typedef struct MMDevice {
    MMRegState reg[MM_NRULES > 0 ? MM_NRULES : 1];
    uint64_t watch_value[MM_NWATCH > 0 ? MM_NWATCH : 1];
    bool watch_written[MM_NWATCH > 0 ? MM_NWATCH : 1];
    int32_t last_write;         /* 0: none yet; k: mm_wkeys[k - 1]; -1: a write no sequence is keyed by */
    uint64_t occurrences[MM_NWKEYS + 1];
    uint64_t writes;
} MMDevice;

static uint64_t mm_bits(unsigned width)
{
    return width >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (width * 8)) - 1);
}

static int mm_find(unsigned region, uint64_t offset, unsigned width)
{
    int i;
    for (i = 0; i < MM_NRULES; i++) {
        const MMRule *r = &mm_rules[i];
        if (r->region == region && r->offset == offset && r->width == width) {
            return i;
        }
    }
    return -1;
}

static void mm_reset(MMDevice *d)
{
    int i;
    memset(d, 0, sizeof(*d));
    for (i = 0; i < MM_NRULES; i++) {
        const MMRule *r = &mm_rules[i];
        MMRegState *s = &d->reg[i];
        switch (r->kind) {
        case MM_CONSTANT:
            s->v = r->value;
            break;
        case MM_POLL:
            s->v = r->final;
            s->poll_reads = r->count; /* before any write: final */
            break;
        case MM_DATAPORT:
            s->v = r->dflt;
            break;
        default: /* storage, w1c, self-clearing, counter, eeprom, playback */
            s->v = r->reset;
            break;
        }
        s->ee.index = -1;
        s->ee.last_addr = -1;
    }
    d->last_write = 0;
}

static bool mm_bit(uint64_t w, unsigned n)
{
    return (w >> n) & 1;
}

static void mm_eeprom_end(MMEeprom *e)
{
    e->started = false;
    e->n_in = 0;
    e->shift = 0;
    e->index = -1;
}

/* Where output bit i (1: the first after the dummy 0) is: its word's address and bit. */
static void mm_eeprom_position(const MMRule *r, const MMEeprom *e, int64_t i, uint64_t *addr, unsigned *bit)
{
    uint64_t k = (uint64_t)(i - 1) / 16;
    *addr = (e->addr + k) & (((uint64_t)1 << r->addr_bits) - 1);
    *bit = 15 - (unsigned)((i - 1) % 16);
}

static void mm_eeprom_driven(const MMRule *r, MMEeprom *e)
{
    if (e->index <= 0) {
        e->last_addr = -1;
    } else {
        uint64_t addr;
        mm_eeprom_position(r, e, e->index, &addr, &e->last_bit);
        e->last_addr = (int64_t)addr;
    }
}

static void mm_eeprom_write(const MMRule *r, MMEeprom *e, uint64_t w)
{
    bool cs = mm_bit(w, r->cs), sk = mm_bit(w, r->sk), rising, falling;
    unsigned di;
    if (!cs) {
        e->cs = false;
        e->sk = sk;
        if (r->hold) {
            return; /* frozen, its output held, until cs rises again */
        }
        mm_eeprom_end(e);
        return;
    }
    if (!e->cs) {
        mm_eeprom_end(e); /* cs rises: a new command */
    }
    rising = sk && !e->sk;
    falling = !sk && e->sk;
    e->cs = true;
    e->sk = sk;
    if (e->index >= 0) {
        if (!(r->edge_fall ? falling : rising)) {
            return;
        }
        if (r->sequential || e->index < 16) {
            e->index++;
            mm_eeprom_driven(r, e);
            return;
        }
        mm_eeprom_end(e); /* the command ends; this edge is a command edge */
    }
    if (!rising) {
        return;
    }
    di = mm_bit(w, r->di);
    if (!e->started) {
        if (di) {
            e->started = true;
        }
        return;
    }
    if (e->n_in >= 2u + r->addr_bits) {
        return; /* a command other than read: ignored until cs goes low */
    }
    e->shift = e->shift * 2 + di;
    e->n_in++;
    if (e->n_in == 2u + r->addr_bits) {
        uint64_t op = e->shift >> r->addr_bits;
        e->addr = e->shift & (((uint64_t)1 << r->addr_bits) - 1);
        if (op == r->read_op) {
            e->index = r->lead;
            mm_eeprom_driven(r, e);
        }
    }
}

static uint64_t mm_pair(const MMRule *r, uint64_t key, uint64_t dflt)
{
    uint32_t lo = r->table, hi = r->table + r->ntable; /* sorted by key */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (mm_pairs[mid].key == key) {
            return mm_pairs[mid].value;
        }
        if (mm_pairs[mid].key < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return dflt;
}

static unsigned mm_eeprom_word_bit(const MMRule *r, uint64_t addr, unsigned bit)
{
    return (mm_pair(r, addr, r->dflt) >> bit) & 1;
}

/* What the EEPROM drives on DO now: its idle level, a 0 (the dummy bit), or a bit of a word. */
static unsigned mm_eeprom_do(const MMRule *r, const MMEeprom *e)
{
    uint64_t addr;
    unsigned bit;
    if (!e->cs && !r->hold) {
        return r->idle == 1 ? 1 : 0;
    }
    if (e->index < 0) {
        if (r->idle != 2) {
            return r->idle;
        }
        return e->last_addr < 0 ? 0 : mm_eeprom_word_bit(r, (uint64_t)e->last_addr, e->last_bit);
    }
    if (e->index == 0) {
        return 0;
    }
    mm_eeprom_position(r, e, e->index, &addr, &bit);
    return mm_eeprom_word_bit(r, addr, bit);
}

static void mm_write_rule(const MMRule *r, MMRegState *s, uint64_t w)
{
    uint64_t all = mm_bits(r->width);
    switch (r->kind) {
    case MM_STORAGE:
        s->v = (w & r->mask) | (s->v & ~r->mask & all);
        break;
    case MM_W1C:
        s->v = ((w & r->mask) | (s->v & ~r->mask & all)) & ~(w & r->w1c) & all;
        break;
    case MM_SELF_CLEARING:
        s->v = (w & r->mask) | (s->v & ~r->mask & all);
        s->pending = w & r->clear;
        if (r->count == 0 || s->pending == 0) {
            s->v &= ~r->clear & all;
            s->pending = 0;
        } else {
            s->left = r->count;
        }
        break;
    case MM_EEPROM:
        s->v = (w & r->mask) | (s->v & ~r->mask & all);
        mm_eeprom_write(r, &s->ee, w);
        break;
    default: /* constant, counter, poll, dataport, playback: nothing of their own */
        break;
    }
}

/* What the register answers now; playback starts its sequence afresh after any device write. */
static uint64_t mm_peek(MMDevice *d, int i)
{
    const MMRule *r = &mm_rules[i];
    MMRegState *s = &d->reg[i];
    switch (r->kind) {
    case MM_POLL:
        return s->poll_reads < r->count ? r->busy : r->final;
    case MM_DATAPORT:
        if (r->watch < 0 || !d->watch_written[r->watch]) {
            return r->dflt;
        }
        return mm_pair(r, d->watch_value[r->watch] & r->mask, r->dflt);
    case MM_EEPROM: {
        uint64_t all = mm_bits(r->width);
        uint64_t dbit = (uint64_t)mm_eeprom_do(r, &s->ee) << r->dout;
        return (s->v & ~((uint64_t)1 << r->dout) & all) | dbit;
    }
    case MM_PLAYBACK: {
        uint32_t j;
        uint64_t k;
        if (s->seq_at != d->writes) {
            s->seq_at = d->writes;
            s->seq_index = 0;
        }
        if (d->last_write < 0) {
            return s->v;
        }
        k = d->occurrences[d->last_write];
        k = k > 0 ? k - 1 : 0;
        for (j = r->table + r->ntable; j-- > r->table;) { /* a repeated key: the last wins */
            const MMSeq *q = &mm_seqs[j];
            const MMRun *run;
            if (q->after != d->last_write) {
                continue;
            }
            if (q->nruns == 0) {
                return s->v;
            }
            run = &mm_runs[q->run + (k < q->nruns - 1 ? k : q->nruns - 1)];
            if (run->n == 0) {
                return s->v;
            }
            return mm_values[run->first + (s->seq_index < run->n - 1 ? s->seq_index : run->n - 1)];
        }
        return s->v;
    }
    default:
        return s->v;
    }
}

static uint64_t mm_read_rule(MMDevice *d, int i)
{
    const MMRule *r = &mm_rules[i];
    MMRegState *s = &d->reg[i];
    uint64_t v = mm_peek(d, i);
    switch (r->kind) {
    case MM_SELF_CLEARING:
        if (s->left > 0 && --s->left == 0) {
            s->v &= ~s->pending & mm_bits(r->width);
            s->pending = 0;
        }
        break;
    case MM_COUNTER:
        s->v = (s->v + r->step) & mm_bits(r->width);
        break;
    case MM_POLL:
        s->poll_reads++;
        break;
    case MM_PLAYBACK:
        s->seq_index++;
        s->v = v;
        break;
    }
    return v;
}

/* A write of the device: remembered (for data ports and playback keys), polls restarted, then the
 * register's own rule. */
static void mm_write(MMDevice *d, unsigned region, uint64_t offset, unsigned width, uint64_t value)
{
    int i;
    value &= mm_bits(width);
    for (i = 0; i < MM_NWATCH; i++) {
        if (mm_watch[i].region == region && mm_watch[i].offset == offset && mm_watch[i].width == width) {
            d->watch_value[i] = value;
            d->watch_written[i] = true;
        }
    }
    d->last_write = -1;
    for (i = 0; i < MM_NWKEYS; i++) {
        const MMWriteKey *k = &mm_wkeys[i];
        if (k->region == region && k->offset == offset && k->width == width && k->value == value) {
            d->last_write = i + 1;
            d->occurrences[i + 1]++;
            break;
        }
    }
    d->writes++;
    for (i = 0; i < MM_NRULES; i++) {
        const MMRule *r = &mm_rules[i];
        if (r->kind == MM_POLL && r->watch >= 0 && mm_watch[r->watch].region == region &&
            mm_watch[r->watch].offset == offset && mm_watch[r->watch].width == width) {
            d->reg[i].poll_reads = 0;
        }
    }
    i = mm_find(region, offset, width);
    if (i >= 0) {
        mm_write_rule(&mm_rules[i], &d->reg[i], value);
    }
}

/* A read: the register's rule; bytes inside a register of another width answer those bytes of its
 * value (no side effect); anything else answers 0. *kind: the rule kind that answered, -1 none. */
static uint64_t mm_read(MMDevice *d, unsigned region, uint64_t offset, unsigned width, int *kind)
{
    int i = mm_find(region, offset, width);
    if (i >= 0) {
        if (kind) {
            *kind = mm_rules[i].kind;
        }
        return mm_read_rule(d, i);
    }
    for (i = 0; i < MM_NRULES; i++) {
        const MMRule *r = &mm_rules[i];
        if (r->region == region && offset >= r->offset && offset + width <= r->offset + r->width) {
            if (kind) {
                *kind = r->kind;
            }
            return (mm_peek(d, i) >> ((offset - r->offset) * 8)) & mm_bits(width);
        }
    }
    if (kind) {
        *kind = -1;
    }
    return 0;
}
`;

/** Config-space offsets QEMU's PCI core owns (IDs, command, class, BARs, ROM, interrupt line): not copied. */
function qemuOwns(off: number): boolean {
  return off <= 0x05 || (off >= 0x08 && off <= 0x0c) || off === 0x0e || (off >= 0x10 && off <= 0x27) || (off >= 0x2c && off <= 0x33) || off === 0x3c;
}

function barType(b: BarModel): string {
  if (b.kind === 'io') return 'PCI_BASE_ADDRESS_SPACE_IO';
  const t = ['PCI_BASE_ADDRESS_SPACE_MEMORY'];
  if (b.kind === 'mem64') t.push('PCI_BASE_ADDRESS_MEM_TYPE_64');
  if (b.prefetchable) t.push('PCI_BASE_ADDRESS_MEM_PREFETCH');
  return t.join(' | ');
}

/** The QEMU glue: identity, BARs, config space, the callbacks, the TypeInfo. */
function qemuGlue(model: Model, type: string, aliases: Map<number, number>, opts: QemuOptions): string {
  const id = model.identity;
  const cid = type.replace(/-/g, '_');
  const up = cid.toUpperCase();
  const get = (s: string | undefined, what: string, max: bigint): bigint => {
    if (s === undefined) throw new QemuModelError(`identity.${what}: missing (learn with --id VENDOR:DEVICE, --class)`);
    const n = num(s, `identity.${what}`);
    if (n > max) throw new QemuModelError(`identity.${what}: ${s} is more than ${c64(max).replace('ull', '')}`);
    return n;
  };
  const vendor = get(id.vendor, 'vendor', 0xffffn);
  const device = get(id.device, 'device', 0xffffn);
  let klass = 0n;
  if (id.class === undefined) opts.warn?.('identity.class: not in the model; the device says 0x000000 (learn with --class CODE)');
  else klass = get(id.class, 'class', 0xffffffn);
  const revision = id.revision !== undefined ? get(id.revision, 'revision', 0xffn) : 0n;
  const bytes = new Map<number, number>();
  for (const [o, b] of model.config.bytes) bytes.set(Number(num(o, 'config.bytes offset')), Number(num(b, 'config.bytes value')) & 0xff);
  let subvendor = id.subvendor !== undefined ? get(id.subvendor, 'subvendor', 0xffffn) : undefined;
  let subdevice = id.subdevice !== undefined ? get(id.subdevice, 'subdevice', 0xffffn) : undefined;
  if (subvendor === undefined && [0x2c, 0x2d, 0x2e, 0x2f].every((o) => bytes.has(o))) {
    subvendor = BigInt(bytes.get(0x2c)! | (bytes.get(0x2d)! << 8));
    subdevice = BigInt(bytes.get(0x2e)! | (bytes.get(0x2f)! << 8));
  }
  const copied = [...bytes].filter(([o]) => !qemuOwns(o) && o < 0x100).sort((a, b) => a[0] - b[0]);
  const extended = [...bytes.keys()].filter((o) => o >= 0x100).length;
  const wmask = model.config.writable.map(([o, m]) => [Number(num(o, 'config.writable offset')), Number(num(m, 'config.writable mask')) & 0xff] as const).filter(([o]) => o >= 0x40 && o < 0x100);

  const bars = [...model.bars].sort((a, b) => a.index - b.index);
  const used = new Set<number>();
  for (const b of bars) {
    if (!Number.isInteger(b.index) || b.index < 0 || b.index > 5) throw new QemuModelError(`bars: index ${b.index} is not 0-5`);
    if (used.has(b.index)) throw new QemuModelError(`bars: BAR ${b.index} twice (a 64-bit BAR takes two slots)`);
    used.add(b.index);
    if (b.kind === 'mem64') used.add(b.index + 1);
    const size = num(b.size, `bars[${b.index}].size`);
    if (size === 0n || (size & (size - 1n)) !== 0n) throw new QemuModelError(`bars[${b.index}].size: ${b.size} is not a power of two`);
    if (b.kind === 'io' && size > 0x10000n) throw new QemuModelError(`bars[${b.index}].size: ${b.size} is too big for an I/O BAR`);
    if (b.kind === 'mem64' && b.index === 5) throw new QemuModelError('bars: a 64-bit BAR cannot be BAR 5');
  }
  for (const r of model.registers) if (!bars.some((b) => b.index === r.region) && ![...aliases.values()].includes(r.region)) throw new QemuModelError(`registers: BAR ${r.region} has registers but the model has no such BAR (learn with --bar ${r.region}=SIZE)`);
  for (const [b, as] of aliases) if (!bars.some((x) => x.index === b)) throw new QemuModelError(`--alias ${b}=${as}: the model has no BAR ${b}`);

  const L: string[] = [];
  L.push(
    '',
    '#ifndef MMIO_MODEL_STANDALONE',
    '/* ------------------------------------------------------------------------------------------',
    ' * QEMU glue: the PCI function, its BARs and config space; every BAR access goes to mm_read and',
    ' * mm_write. No interrupts and no DMA: the device never raises INTx, MSI or MSI-X, so a driver',
    ' * sees its registers answer but no interrupt arrive (a probe that only reads and writes',
    ' * registers completes; a driver that waits for an interrupt times out).',
    ' * ------------------------------------------------------------------------------------------ */',
    '',
    `#define TYPE_${up} ${cstr(type)}`,
    `typedef struct ${cid}_state ${cid}_state;`,
    `DECLARE_INSTANCE_CHECKER(${cid}_state, ${up}, TYPE_${up})`,
    '',
    `typedef struct ${cid}_bar {`,
    `    ${cid}_state *dev;`,
    '    unsigned region;            /* the BAR whose registers it answers */',
    `} ${cid}_bar;`,
    '',
    `struct ${cid}_state {`,
    '    PCIDevice pdev;',
    '    MemoryRegion bar[6];',
    `    ${cid}_bar ref[6];`,
    '    MMDevice model;',
    '};',
    '',
    `static uint64_t ${cid}_read(void *opaque, hwaddr addr, unsigned size)`,
    '{',
    `    ${cid}_bar *b = opaque;`,
    '    return mm_read(&b->dev->model, b->region, addr, size, NULL);',
    '}',
    '',
    `static void ${cid}_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)`,
    '{',
    `    ${cid}_bar *b = opaque;`,
    '    mm_write(&b->dev->model, b->region, addr, size, val);',
    '}',
    '',
  );
  const opsOf = (kind: 'mem' | 'io', max: number, what: string) => [
    `/* ${what} */`,
    `static const MemoryRegionOps ${cid}_${kind}_ops = {`,
    `    .read = ${cid}_read,`,
    `    .write = ${cid}_write,`,
    '    .endianness = DEVICE_LITTLE_ENDIAN,',
    `    .valid = { .min_access_size = 1, .max_access_size = ${max} },`,
    `    .impl = { .min_access_size = 1, .max_access_size = ${max} },`,
    '};',
    '',
  ];
  if (bars.some((b) => b.kind !== 'io')) L.push(...opsOf('mem', 8, 'Memory BARs: accesses reach the model at the width the driver used, 1 to 8 bytes.'));
  if (bars.some((b) => b.kind === 'io')) L.push(...opsOf('io', 4, 'I/O BARs: 1 to 4 bytes.'));
  if (copied.length)
    L.push(
      `/* Config-space bytes the traces read, beyond what the PCI core sets itself (IDs, class, BARs,`,
      ` * command, interrupt line): [offset, value]. */`,
      `static const uint8_t ${cid}_config[][2] = {`,
      ...chunkLines(copied.map(([o, b]) => `{ 0x${o.toString(16)}, 0x${b.toString(16)} }`), 6),
      '};',
    );
  if (wmask.length)
    L.push(
      `/* Bits of the capability area (0x40-0xff) the driver wrote and saw change: [offset, mask]. */`,
      `static const uint8_t ${cid}_wmask[][2] = {`,
      ...chunkLines(wmask.map(([o, m]) => `{ 0x${o.toString(16)}, 0x${m.toString(16)} }`), 6),
      '};',
    );
  if (extended) L.push(`/* ${extended} bytes of extended config space (0x100 and above) were read; a conventional PCI device has none: the guest reads 0xff there. */`);
  L.push(
    '',
    `static void ${cid}_realize(PCIDevice *pdev, Error **errp)`,
    '{',
    `    ${cid}_state *s = ${up}(pdev);`,
    ...(copied.length || wmask.length ? ['    size_t i;'] : []),
    '',
    `    pdev->config[PCI_CLASS_PROG] = 0x${(klass & 0xffn).toString(16)};`,
  );
  if (copied.length) L.push(`    for (i = 0; i < ARRAY_SIZE(${cid}_config); i++) {`, `        pdev->config[${cid}_config[i][0]] = ${cid}_config[i][1];`, '    }');
  if (wmask.length) L.push(`    for (i = 0; i < ARRAY_SIZE(${cid}_wmask); i++) {`, `        pdev->wmask[${cid}_wmask[i][0]] = ${cid}_wmask[i][1];`, '    }');
  for (const b of bars) {
    const as = aliases.get(b.index) ?? b.index;
    const ops = b.kind === 'io' ? `${cid}_io_ops` : `${cid}_mem_ops`;
    const name = `${type}-bar${b.index}`;
    L.push(
      `    /* BAR ${b.index}: ${b.kind}${b.prefetchable ? ', prefetchable' : ''}, ${b.size} bytes (${b.from}${b.names?.length ? `; traced as ${b.names.map((n) => `'${ccomment(n)}'`).join(', ')}` : ''})${as !== b.index ? `; answers as BAR ${as}` : ''} */`,
      `    s->ref[${b.index}].dev = s;`,
      `    s->ref[${b.index}].region = ${as};`,
      `    memory_region_init_io(&s->bar[${b.index}], OBJECT(s), &${ops}, &s->ref[${b.index}], ${cstr(name)}, ${c64(num(b.size, 'size'))});`,
      `    pci_register_bar(pdev, ${b.index}, ${barType(b)}, &s->bar[${b.index}]);`,
    );
  }
  L.push(
    '    mm_reset(&s->model);',
    '}',
    '',
    `static void ${cid}_reset(DeviceState *dev)`,
    '{',
    `    mm_reset(&${up}(dev)->model);`,
    '}',
    '',
    '#if QEMU_VERSION_MAJOR > 10 || (QEMU_VERSION_MAJOR == 10 && QEMU_VERSION_MINOR >= 1)',
    `static void ${cid}_class_init(ObjectClass *klass, const void *data)`,
    '#else',
    `static void ${cid}_class_init(ObjectClass *klass, void *data)`,
    '#endif',
    '{',
    '    DeviceClass *dc = DEVICE_CLASS(klass);',
    '    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);',
    '',
    `    k->realize = ${cid}_realize;`,
    `    k->vendor_id = 0x${vendor.toString(16).padStart(4, '0')};`,
    `    k->device_id = 0x${device.toString(16).padStart(4, '0')};`,
    `    k->revision = 0x${revision.toString(16).padStart(2, '0')};`,
    `    k->class_id = 0x${(klass >> 8n).toString(16).padStart(4, '0')};`,
  );
  if (subvendor !== undefined && subdevice !== undefined)
    L.push(`    k->subsystem_vendor_id = 0x${subvendor.toString(16).padStart(4, '0')};`, `    k->subsystem_id = 0x${subdevice.toString(16).padStart(4, '0')};`);
  L.push(
    `    dc->desc = ${cstr(`mmio-model device ${hex4(id.vendor)}:${hex4(id.device)} (answers from a model learned from a trace)`)};`,
    '#if QEMU_VERSION_MAJOR > 9 || (QEMU_VERSION_MAJOR == 9 && QEMU_VERSION_MINOR >= 1)',
    `    device_class_set_legacy_reset(dc, ${cid}_reset);`,
    '#else',
    `    dc->reset = ${cid}_reset;`,
    '#endif',
    '    set_bit(DEVICE_CATEGORY_MISC, dc->categories);',
    '}',
    '',
    `static const TypeInfo ${cid}_types[] = {`,
    '    {',
    `        .name = TYPE_${up},`,
    '        .parent = TYPE_PCI_DEVICE,',
    `        .instance_size = sizeof(${cid}_state),`,
    `        .class_init = ${cid}_class_init,`,
    '        .interfaces = (InterfaceInfo[]) {',
    '            { INTERFACE_CONVENTIONAL_PCI_DEVICE },',
    '            { },',
    '        },',
    '    },',
    '};',
    '',
    `DEFINE_TYPES(${cid}_types)`,
    '#endif /* MMIO_MODEL_STANDALONE */',
    '',
  );
  return L.join('\n');
}

/** The C file of a QEMU PCI device that answers as `model` does. */
export function generateQemuDevice(model: Model, opts: QemuOptions = {}): string {
  if (model.schema !== SCHEMA) throw new QemuModelError(`schema ${JSON.stringify(model.schema)}: this tool writes devices of ${SCHEMA} models`);
  const type = opts.type ?? defaultTypeName(model);
  if (!TYPE_RE.test(type)) throw new QemuModelError(`--type ${JSON.stringify(type)}: a device name is a lower-case letter, then letters, digits or '-', at most 48`);
  const aliases = new Map<number, number>();
  for (const [b, as] of opts.aliases ?? []) {
    if (b === as) throw new QemuModelError(`--alias ${b}=${as}: a BAR answers as itself already`);
    if (!model.registers.some((r) => r.region === as)) throw new QemuModelError(`--alias ${b}=${as}: the model has no registers in BAR ${as}`);
    aliases.set(b, as);
  }
  const kinds = new Map<string, number>();
  for (const r of model.registers) kinds.set(r.rule.kind, (kinds.get(r.rule.kind) ?? 0) + 1);
  const src = opts.source ?? 'a model';
  const head = [
    '/*',
    ` * ${ccomment(type)}: a QEMU PCI device written by ${ccomment(model.generator ? 'mmio-model qemu' : 'mmio-model qemu')} from ${ccomment(src)}`,
    ` * (${SCHEMA}; learned by ${ccomment(String(model.generator ?? '?'))} from ${model.sources.map((s) => ccomment(s.file)).join(', ') || 'no source listed'}).`,
    ` * ${model.registers.length} registers: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}; ${model.writeOnly.length} write-only.`,
    ' *',
    ' * Place it in a QEMU tree as hw/misc/' + qemuFileName(type) + ' with, in hw/misc/meson.build,',
    ` *   softmmu_ss.add(when: 'CONFIG_PCI', if_true: files('${qemuFileName(type)}'))   (system_ss from QEMU 8.1)`,
    ` * (mmio-model qemu --into QEMU_SRC does both), build, and run with -device ${ccomment(type)}.`,
    ' * The answering logic alone: cc -std=c99 -DMMIO_MODEL_STANDALONE -include stdint.h -include stdbool.h',
    ' *   -include string.h -c FILE (the tests do so, with a stub harness).',
    ' *',
    ' * SPDX-License-Identifier: GPL-2.0-or-later (it links with QEMU)',
    ' */',
    '',
    '#ifdef MMIO_MODEL_STANDALONE',
    '#include <stdbool.h>',
    '#include <stdint.h>',
    '#include <string.h>',
    '#else',
    '#include "qemu/osdep.h"',
    '#include "hw/pci/pci.h"',
    '#if QEMU_VERSION_MAJOR >= 8',
    '#include "hw/pci/pci_device.h"',
    '#endif',
    '#include "qom/object.h"',
    '#include "qemu/module.h"',
    '#endif',
    '',
  ];
  const notes: string[] = [];
  return head.join('\n') + answeringLogic(model, notes) + qemuGlue(model, type, aliases, opts);
}

/**
 * hw/misc/meson.build with the line that builds FILE (when: 'CONFIG_PCI'), in the spelling of that
 * tree (softmmu_ss up to QEMU 8.0, system_ss after). Unchanged when a line already names FILE.
 */
export function mesonWithDevice(meson: string, file: string): { text: string; added: boolean } {
  if (meson.includes(`files('${file}')`)) return { text: meson, added: false };
  const ss = /\bsystem_ss\b/.test(meson) ? 'system_ss' : 'softmmu_ss';
  const sep = meson === '' || meson.endsWith('\n') ? '' : '\n';
  return { text: `${meson}${sep}${ss}.add(when: 'CONFIG_PCI', if_true: files('${file}'))\n`, added: true };
}
