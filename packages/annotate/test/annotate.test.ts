import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cFixed, decodeValue, hexText, loadRegisters, loadRegisterMap, parsePmcId, pickDomain, readRnndb, variantsOf } from '../src/index.js';
import { run, sh } from '../../../test/helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'annotate-'));
const put = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const here = new URL('.', import.meta.url).pathname;
// A small database in envytools' language (test/rnndb): two roots (the chipset enum in gen/, as
// envytools' build generates nvchipsets.xml), imports by root-relative path, definitions inside a
// domain and an array, variants by range (A:B, A-B, :B, B-) and on bitfields and enum values,
// nameless arrays and stripes, a use-group, shr, bitsets and enums by type, every basic type.
// Each expected line is what envytools' `lookup -f top.xml -a CHIP ADDR VALUE` (f102b82) printed.
const roots = [join(here, 'rnndb/gen'), join(here, 'rnndb/db')];
const ENVYTOOLS_LOOKUP: [string, number, bigint, string][] = [
  ['G80', 0x0, 0x050000a2n, 'PMC.ID => { STEPPING = 0xa2 | CHIPSET = G80 | FOUNDRY = TSMC }'],
  ['GK104', 0x0, 0x0e4000a1n, 'PMC.ID => { STEPPING = 0xa1 | CHIPSET = GK104 | FOUNDRY = TSMC }'],
  ['G80', 0x100, 0x1101n, 'PMC.INTR => { PFIFO | PGRAPH | PDISPLAY }'],
  ['NV40', 0x100, 0x1101n, 'PMC.INTR => { PFIFO | PGRAPH | 0x1000 }'],
  ['G84', 0x100, 1n, 'PMC.INTR_NEW => 0x1'],
  ['G80', 0x200, 0x1003n, 'PMC.ENABLE => { PFIFO | PGRAPH | 0x2 }'],
  ['G80', 0x300, 0x12n, 'PMC.BYTES[0] => 0x12'],
  ['G80', 0x302, 0x12n, 'PMC.BYTES[0x2] => 0x12'],
  ['G80', 0x410, 5n, 'PMC.SCRATCH[0x2] => 0x5'],
  ['G80', 0x414, 5n, 'PMC+0x414'],
  ['G80', 0x500, 0x1234n, 'PMC.ADDR => 0x1234000'],
  ['G80', 0x504, 1n, 'PMC.MODE => ON'],
  ['G84', 0x504, 1n, 'PMC.MODE => AUTO'],
  ['NV40', 0x504, 1n, 'PMC.MODE => ON'],
  ['GK104', 0x504, 1n, 'PMC.MODE => AUTO'],
  ['G80', 0x504, 2n, 'PMC.MODE => 0x2'],
  ['G80', 0x508, 0x1280fffen, 'PMC.TEMP => { T = -2 | U = 255 | F = 18.500000 (00001280) }'],
  ['G80', 0x508, 0x00800080n, 'PMC.TEMP => { T = -128 | U = 0 | F = 0.500000 (00000080) }'],
  ['G80', 0x50c, 0x3fc00000n, 'PMC.GAIN => 1.500000'],
  ['G80', 0x50c, 0xc0490fdbn, 'PMC.GAIN => -3.141593'],
  ['G80', 0x50c, 0x7f800000n, 'PMC.GAIN => inf'],
  ['G80', 0x510, 1n, 'PMC.ON => TRUE'],
  ['G80', 0x510, 2n, 'PMC.ON => 0.000000'],
  ['G80', 0x514, 0x12345678n, 'PMC.NESTED => { A = { LO = 0x78 | HI = 0x56 } | B = { LO = 0x34 | HI = 0x12 } }'],
  ['G80', 0x2200, 1n, 'PFIFO+0x200'],
  ['G80', 0x2204, 1n, 'PFIFO.CTRL => 0x1'],
  ['NV40', 0x2200, 1n, 'PFIFO.CONFIG => 0x1'],
  ['NV40', 0x2204, 1n, 'PFIFO+0x204'],
  ['G80', 0x100234, 1n, 'PFB.TILE_PITCH[0x3] => 0x1'],
  ['G80', 0x100428, 1n, 'PFB.PART[0x1].CFG => 0x1'],
  ['G80', 0x100844, 1n, 'PFB.(null)[0x1].X => 0x1'],
  ['G80', 0x100f00, 1n, 'PFB.COMMON => 0x1'],
  ['G80', 0x100f04, 1n, 'PFB+0xf04'],
  ['G80', 0x700010, 1n, 'PMEM[0x4] => 0x1'],
  ['NV40', 0x700010, 1n, 'PRAMIN[0x4] => 0x1'],
  ['G80', 0x9000, 1n, '0x9000'],
  ['G80', 0x208, 1n, 'PMC+0x208'],
];

const acc = (offset: string, value = '0x0', region = 0, dev = '0000:01:00.0') => ({ type: 'read', dev, region, offset, width: 4, value }) as Record<string, unknown>;

describe('rnndb as envytools reads it', () => {
  const db = readRnndb('top.xml', roots);
  const dom = pickDomain(db, 'top.xml', 'NV_MMIO');

  it('names and decodes every address as envytools lookup does, for each chipset variant', () => {
    const got = ENVYTOOLS_LOOKUP.map(([chip, addr, value]) => {
      const ctx = variantsOf(dom, chip);
      const ai = dom.decodeAddr(ctx, addr);
      return [chip, addr, value, !ai ? '0x' + addr.toString(16) : ai.type ? `${ai.name} => ${decodeValue(ctx, ai.type, value, ai.width)}` : ai.name];
    });
    expect(got).toEqual(ENVYTOOLS_LOOKUP);
  });

  it('finds imports in the roots in order, and says where it looked when a file is in none', () => {
    expect(db.files.size).toBe(3);
    let err: (Error & { file?: string; line?: number }) | undefined;
    try {
      readRnndb('top.xml', [join(here, 'rnndb/db')]);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toMatch(/^rnndb: <import> file="chips.xml": not in any database root \(.*rnndb\/db\); give the database roots with --rnn-path/);
    expect([err?.file, err?.line]).toEqual([join(here, 'rnndb/db/top.xml'), 3]);
  });

  it('takes the chipset per device from its first access at offset 0 (PMC_BOOT_0), as demmio', () => {
    const regs = loadRegisters('top.xml', { region: 0, roots, domain: 'NV_MMIO' });
    const early = acc('0x100', '0x1101', 0, 'a');
    regs.annotate(early);
    const evs = [acc('0x0', '0x050000a2', 0, 'a'), acc('0x0', '0x0e4000a1', 0, 'b'), acc('0x100', '0x1101', 0, 'a'), acc('0x100', '0x1101', 0, 'b'), acc('0x504', '0x1', 0, 'a'), acc('0x504', '0x1', 0, 'b')];
    for (const ev of evs) regs.annotate(ev);
    expect(evs.map((e) => [e.dev, e.reg, e.decoded])).toEqual([
      ['a', 'PMC.ID', '{ STEPPING = 0xa2 | CHIPSET = G80 | FOUNDRY = TSMC }'],
      ['b', 'PMC.ID', '{ STEPPING = 0xa1 | CHIPSET = GK104 | FOUNDRY = TSMC }'],
      ['a', 'PMC.INTR', '{ PFIFO | PGRAPH | PDISPLAY }'],
      ['b', 'PMC.INTR_NEW', '0x1101'],
      ['a', 'PMC.MODE', 'ON'],
      ['b', 'PMC.MODE', 'AUTO'],
    ]);
    expect(evs[0]!.fields).toEqual({ STEPPING: 0xa2, CHIPSET: 'G80', FOUNDRY: 'TSMC' });
    // Before the chipset is known every variant matches, and the first in file order names it.
    expect(early.reg).toBe('PMC.INTR');
    expect(regs.notes()).toEqual(['dev a: 1 accesses before the first at offset 0 (PMC_BOOT_0) named without a chipset variant; give --variant to name them for the chip']);
  });

  it('--variant names every device with one variant; a name it does not know is a usage error', () => {
    const regs = loadRegisters('top.xml', { region: 0, roots, domain: 'NV_MMIO', variant: 'nv40' });
    const ev = acc('0x0', '0x0e4000a1');
    const intr = acc('0x100', '0x1101');
    regs.annotate(ev);
    regs.annotate(intr);
    expect([ev.decoded, intr.decoded]).toEqual(['{ STEPPING = 0xa1 | CHIPSET = GK104 | FOUNDRY = TSMC }', '{ PFIFO | PGRAPH | 0x1000 }']);
    expect(regs.notes()).toEqual([]);
    expect(() => loadRegisters('top.xml', { region: 0, roots, domain: 'NV_MMIO', variant: 'GK999' })).toThrow(/--variant "GK999": no such variant in the database \(chipset: NV4, NV40, G80, G84, GF100, GK104\)/);
    const hex = loadRegisters('top.xml', { region: 0, roots, domain: 'NV_MMIO', variant: 'e4' });
    const m = acc('0x504', '0x1');
    hex.annotate(m);
    expect(m.decoded).toBe('AUTO');
  });

  it('says when no access tells the chipset, and when the chipset is not in the database', () => {
    const regs = loadRegisters('top.xml', { region: 0, roots, domain: 'NV_MMIO' });
    regs.annotate(acc('0x100', '0x1', 0, 'x'));
    regs.annotate(acc('0x0', '0x1a0000a1', 0, 'y'));
    expect(regs.notes()).toEqual([
      'dev x: no access at offset 0 (PMC_BOOT_0) tells the chipset: 1 accesses named without a chipset variant; give --variant (e.g. --variant GK104)',
      'dev y: chipset 0x1a0 from PMC_BOOT_0 is no variant of the database\'s chipset enum: named without a variant; give --variant',
    ]);
  });

  it('reads PMC_BOOT_0 by nvhw/chipset.c: NV10+ ids, big-endian ids, pre-NV10 ids, a broken BAR0', () => {
    expect(parsePmcId(0x050000a2)).toEqual({ chipset: 0x50, cardType: 0x50 });
    expect(parsePmcId(0x0e4000a1)).toEqual({ chipset: 0xe4, cardType: 0xc0 });
    expect(parsePmcId(0xa2000005)).toEqual({ chipset: 0x50, cardType: 0x50 }); // byte-swapped
    expect(parsePmcId(0x00040103)).toEqual({ chipset: 4, cardType: 4 }); // pre-NV10, chipset in bits 16-19
    expect(parsePmcId(0x20004000)).toEqual({ chipset: 4, cardType: 4 });
    expect(parsePmcId(0x20154000)).toEqual({ chipset: 5, cardType: 4 });
    expect(parsePmcId(0xffffffff)).toEqual({ chipset: 0, cardType: 0 });
    expect(parsePmcId(0x067000a2)).toEqual({ chipset: 0x67, cardType: 0x40 });
  });

  it('C printf formats: %#x, %f rounding half to even on the exact value', () => {
    expect(hexText(0n)).toBe('0');
    expect(hexText(0xabcn)).toBe('0xabc');
    expect(cFixed(0.0078125)).toBe('0.007812');
    expect(cFixed(0.0234375)).toBe('0.023438');
    expect(cFixed(-0)).toBe('-0.000000');
    expect(cFixed(1e22)).toBe('10000000000000000000000.000000');
    expect(cFixed(NaN)).toBe('nan');
  });

  it('scales offsets by the domain width, and only annotates the given region', () => {
    const f = put('w32.xml', '<database>\n<domain name="OTHER" width="32">\n<reg32 offset="0x10" name="WORD_ADDRESSED"/>\n</domain>\n</database>\n');
    const other = loadRegisters(f, { region: 2 });
    const ev = acc('0x40', '0x1', 2);
    expect(other.annotate(ev)).toBe(true);
    expect([ev.reg, ev.decoded]).toEqual(['WORD_ADDRESSED', '0x1']);
    expect(other.annotate(acc('0x40', '0x1', 0))).toBe(false);
    expect(other.annotate(acc('0x42', '0x1', 2))).toBe(false);
  });

  it('wants --domain when there are several, and names the known ones', () => {
    const f = put('two.xml', '<database>\n<domain name="A"/>\n<domain name="B"/>\n</database>\n');
    expect(() => loadRegisters(f, { region: 0 })).toThrow(/2 domains \(A, B\); choose one with --domain/);
    expect(() => loadRegisters(f, { domain: 'NOPE', region: 0 })).toThrow(/no domain "NOPE"/);
  });

  it('bad databases are errors with file and line', () => {
    const cases: [string, RegExp, number][] = [
      ['<database>\n<domain name="D">\n<reg32 offset="0x0" name="A">\n</domain>\n</database>\n', /XML: /, 4],
      ['<database>\n<domain name="D">\n  <reg32 offset="0"/>\n</domain>\n</database>\n', /<reg32> needs a "name" attribute/, 3],
      ['<database>\n<domain name="D">\n\n  <reg32 offset="zz" name="A"/>\n</domain></database>', /offset="zz" is not a number/, 4],
      ['<database>\n<domain name="D">\n<reg32 offset="0" name="A">\n<bitfield low="30" high="64" name="F"/>\n</reg32></domain></database>', /"F" has no place in 64 bits/, 4],
      ['<database>\n<import file="missing.xml"/>\n</database>', /not in any database root/, 2],
      ['<database>\n<domain name="D">\n<use-group name="G"/>\n</domain></database>', /unknown group "G"/, 3],
      ['<database>\n<domain name="D">\n<array offset="0" name="A" length="2"/>\n</domain></database>', /A has no stride/, 3],
    ];
    for (const [text, msg, line] of cases) {
      const f = put('bad.xml', text);
      let err: (Error & { file?: string; line?: number }) | undefined;
      try {
        loadRegisters(f, { region: 0 });
      } catch (e) {
        err = e as Error & { file?: string; line?: number };
      }
      expect(err?.message).toMatch(msg);
      expect([err?.file, err?.line]).toEqual([f, line]);
    }
  });
});

describe('JSON/YAML register map', () => {
  it('reads names, widths, register arrays and fields, in JSON and in YAML', () => {
    const yaml = 'regions:\n  2:\n    0x10: STATUS\n    0x20:\n      name: CTRL\n      fields:\n        EN: 0\n        MODE: { bits: [4, 5], values: { 1: FAST } }\n    0x100: { name: RING, count: 4, stride: 0x10 }\n';
    const json = JSON.stringify({ regions: { 2: { '0x10': 'STATUS', '0x20': { name: 'CTRL', fields: { EN: 0, MODE: { bits: [4, 5], values: { 1: 'FAST' } } } }, '0x100': { name: 'RING', count: 4, stride: '0x10' } } } });
    for (const text of [yaml, json]) {
      const m = loadRegisterMap('m', text);
      const a = acc('0x20', '0x11', 2);
      m.annotate(a);
      expect([a.reg, a.fields]).toEqual(['CTRL', { EN: 1, MODE: 'FAST' }]);
      const b = acc('0x130', '0x0', 2);
      m.annotate(b);
      expect(b.reg).toBe('RING[3]');
      expect(m.annotate(acc('0x10', '0x0', 0))).toBe(false);
    }
  });
  it('bad maps are errors with file and line', () => {
    expect(() => loadRegisterMap('m.yaml', 'regions:\n  0:\n    0x10: STATUS\n    zz: X\n')).toThrow(/offset "zz" is not a number/);
    try {
      loadRegisterMap('m.yaml', 'regions:\n  0:\n    0x10:\n      name: A\n      fields:\n        F: [30, 40]\n');
    } catch (e) {
      expect((e as { line?: number }).line).toBe(6);
    }
    expect(() => loadRegisterMap('m.json', '{"regions": {"0": {"0x1": "A",}}')).toThrow(/register map/);
    expect(() => loadRegisterMap('m.json', '{"nope": 1}')).toThrow(/top-level "regions"/);
  });
});

describe('mmio-annotate CLI', () => {
  it('annotates the example trace and passes other lines through unchanged', async () => {
    const r = await sh('mmio-parse examples/bcm43602/trace.log | mmio-filter --dev 03:00.0 --region 0 --offset 0x1800+8 | mmio-annotate --regs examples/bcm43602/regs.json | mmio-filter --collapse-polls | mmio-format --to text');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      '1581830830.000007  -- region 0 of 0000:03:00.0: size 0x8000, flags 0x7',
      '1581830830.000025  -- irq 0000:03:00.0 intx enable',
      '1581830830.000165  0000:03:00.0   0  W  0x1800      4  0x1         ARM_RESET_CTRL {RESET=0x1}',
      '1581830830.000170  0000:03:00.0   0  R  0x1804      4  0x1         ARM_RESET_STATUS {STATE=IN_RESET} ×23',
      // The interrupt between two polls ends the run.
      '1581830830.000317  0000:03:00.0   0  R  0x1804      4  0x0         ARM_RESET_STATUS {STATE=RUNNING}',
      '1581830830.000325  -- irq 0000:03:00.0 intx interrupt pin A',
    ]);
    const raw = '{"type":"mark","text":"x"}\n{"type":"write","region":0,"offset":"0x9999","width":4,"value":"0x1"}\n';
    expect((await run('mmio-annotate', ['--regs', 'examples/bcm43602/regs.json'], raw)).stdout).toBe(raw);
  });
  it('a bad database fails with file:line', async () => {
    const f = put('cli-bad.xml', '<database>\n<domain name="D">\n  <reg32 offset="0"/>\n</domain>\n</database>\n');
    const r = await run('mmio-annotate', ['--regs', f], '');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mmio-annotate: ${f}:3: rnndb: <reg32> needs a "name" attribute\n`);
  });
});
