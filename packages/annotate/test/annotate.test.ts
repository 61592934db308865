import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegisters, loadRnndb, loadRegisterMap } from '../src/index.js';
import { run, sh } from '../../../test/helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'annotate-'));
const put = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

// An rnndb database in the shape of envytools' files: import, enum, bitset, group, domain,
// registers of every width, arrays (nested), a stripe, register arrays, bitfields by low/high
// and pos, enum by type and inline values.
put('common.xml', `<?xml version="1.0" encoding="UTF-8"?>
<database xmlns="http://nouveau.freedesktop.org/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<enum name="chipset">
  <value name="NV50" value="0x50"/>
  <value name="NVA0" value="0xa0"/>
</enum>
<bitset name="intr" inline="yes">
  <bitfield pos="0" name="VBLANK"/>
  <bitfield pos="8" name="FIFO"/>
</bitset>
</database>
`);
const root = put('root.xml', `<?xml version="1.0" encoding="UTF-8"?>
<database xmlns="http://nouveau.freedesktop.org/">
<import file="common.xml"/>
<group name="ctx">
  <reg32 offset="0x0" name="CTX_PTR"/>
</group>
<domain name="NV_MMIO" bare="yes" prefix="chipset">
  <reg32 offset="0x000000" name="PMC_BOOT_0">
    <bitfield low="0" high="3" name="MINOR"/>
    <bitfield low="20" high="27" name="CHIPSET" type="chipset"/>
  </reg32>
  <reg32 offset="0x000100" name="PMC_INTR" type="intr"/>
  <reg8 offset="0x000200" name="PMC_BYTE"/>
  <reg16 offset="0x000202" name="PMC_HALF"/>
  <reg64 offset="0x000208" name="PMC_WIDE"/>
  <reg32 offset="0x000300" name="SCRATCH" length="4" stride="8"/>
  <array offset="0x2000" name="PFIFO" stride="0x100" length="4">
    <reg32 offset="0x0" name="CTRL">
      <bitfield pos="31" name="ENABLE"/>
      <bitfield low="4" high="5" name="MODE">
        <value value="0" name="OFF"/>
        <value value="2" name="AUTO"/>
      </bitfield>
    </reg32>
    <array offset="0x40" name="CH" stride="0x10" length="2">
      <reg32 offset="0x4" name="GET"/>
    </array>
    <use-group name="ctx"/>
  </array>
  <stripe offset="0x4000" stride="0x1000" length="2">
    <reg32 offset="0x8" name="PGRAPH_STATUS"/>
  </stripe>
</domain>
<domain name="OTHER" width="32">
  <reg32 offset="0x10" name="WORD_ADDRESSED"/>
</domain>
</database>
`);

const acc = (offset: string, value = '0x0', region = 0) => ({ type: 'write', region, offset, width: 4, value }) as Record<string, unknown>;

describe('rnndb', () => {
  const regs = loadRegisters(root, { domain: 'NV_MMIO', region: 0 });
  const name = (offset: string, value?: string) => {
    const ev = acc(offset, value);
    regs.annotate(ev);
    return [ev.reg, ev.fields];
  };

  it('names registers of every width, arrays, nested arrays, groups, stripes and register arrays', () => {
    expect(name('0x100')).toEqual(['PMC_INTR', { VBLANK: 0, FIFO: 0 }]);
    expect(name('0x200')[0]).toBe('PMC_BYTE');
    expect(name('0x202')[0]).toBe('PMC_HALF');
    expect(name('0x208')[0]).toBe('PMC_WIDE');
    expect(name('0x20c')[0]).toBe('PMC_WIDE+0x4');
    expect(name('0x310')[0]).toBe('SCRATCH[2]');
    expect(name('0x314')).toEqual([undefined, undefined]); // the gap between SCRATCH[2] and [3]
    expect(name('0x2300')[0]).toBe('PFIFO[3].CTRL');
    expect(name('0x2154')[0]).toBe('PFIFO[1].CH[1].GET');
    expect(name('0x2200')[0]).toBe('PFIFO[2].CTRL');
    expect(name('0x5008')[0]).toBe('PGRAPH_STATUS');
    expect(name('0x9999')[0]).toBeUndefined();
  });

  it('decodes bitfields by low/high and pos, with enums by type and inline values', () => {
    expect(name('0x0', '0x0a000003')).toEqual(['PMC_BOOT_0', { MINOR: 3, CHIPSET: 'NVA0' }]);
    expect(name('0x0', '0x07000001')).toEqual(['PMC_BOOT_0', { MINOR: 1, CHIPSET: 0x70 }]);
    expect(name('0x100', '0x101')).toEqual(['PMC_INTR', { VBLANK: 1, FIFO: 1 }]);
    expect(name('0x2100', '0x80000020')).toEqual(['PFIFO[1].CTRL', { ENABLE: 1, MODE: 'AUTO' }]);
    expect(name('0x2100', '0x10')).toEqual(['PFIFO[1].CTRL', { ENABLE: 0, MODE: 1 }]);
  });

  it('scales offsets by the domain width, and only annotates the given region', () => {
    const other = loadRegisters(root, { domain: 'OTHER', region: 2 });
    const ev = acc('0x40', '0x1', 2);
    expect(other.annotate(ev)).toBe(true);
    expect(ev.reg).toBe('WORD_ADDRESSED');
    expect(other.annotate(acc('0x40', '0x1', 0))).toBe(false);
  });

  it('wants --domain when there are several, and names the known ones', () => {
    expect(() => loadRegisters(root, { region: 0 })).toThrow(/2 domains \(NV_MMIO, OTHER\); choose one with --domain/);
    expect(() => loadRegisters(root, { domain: 'NOPE', region: 0 })).toThrow(/no domain "NOPE"/);
  });

  it('bad databases are errors with file and line', () => {
    const cases: [string, RegExp, number][] = [
      ['<database>\n<domain name="D">\n<reg32 offset="0x0" name="A">\n</domain>\n</database>\n', /XML: /, 4],
      ['<database>\n<domain name="D">\n  <reg32 name="A"/>\n</domain>\n</database>\n', /<reg32> needs a "offset" attribute/, 3],
      ['<database>\n<domain name="D">\n\n  <reg32 offset="zz" name="A"/>\n</domain></database>', /offset="zz" is not a number/, 4],
      ['<database>\n<domain name="D">\n<reg32 offset="0" name="A">\n<bitfield low="30" high="33" name="F"/>\n</reg32></domain></database>', /bits 30-33 do not fit a 32-bit register/, 4],
      ['<database>\n<import file="missing.xml"/>\n</database>', /cannot read/, 2],
      ['<database>\n<domain name="D">\n<use-group name="G"/>\n</domain></database>', /unknown group "G"/, 3],
    ];
    for (const [text, msg, line] of cases) {
      const f = put('bad.xml', text);
      let err: (Error & { file?: string; line?: number }) | undefined;
      try {
        loadRnndb(f, text, { region: 0 });
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
    const f = put('cli-bad.xml', '<database>\n<domain name="D">\n  <reg32 name="A"/>\n</domain>\n</database>\n');
    const r = await run('mmio-annotate', ['--regs', f], '');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mmio-annotate: ${f}:3: rnndb: <reg32> needs a "offset" attribute\n`);
  });
});
