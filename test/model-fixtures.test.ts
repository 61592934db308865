/**
 * The real traces of test/fixtures/model (scripts/capture.sh): e1000, e1000e and rtl8139 probed by
 * Linux 6.1's drivers under QEMU 7.2. Their READMEs state what must hold; these tests prove it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openInput, type AccessEvent, type MmioEvent } from '@mmio-tools/core';
import { parseTrace } from '@mmio-tools/parse';
import { ROOT } from './helpers/util.js';

const DIR = join(ROOT, 'test', 'fixtures', 'model');

async function accessesOf(path: string): Promise<{ acc: AccessEvent[]; lines: number }> {
  const events: MmioEvent[] = [];
  const stats = await parseTrace(openInput(join(DIR, path)), path, { format: 'auto', all: false, strict: true, lenient: false }, {
    event: (e) => events.push(e),
    warn: (w) => {
      throw new Error(w);
    },
  });
  return { acc: events.filter((e): e is AccessEvent => e.type === 'read' || e.type === 'write'), lines: stats.lines };
}

/** "name r/w" → count, as the READMEs' tables give them. */
function table(acc: AccessEvent[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of acc) {
    const k = `${a.name} ${a.type === 'read' ? 'r' : 'w'}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

const key = (a: AccessEvent) => `${a.type} ${a.width} ${a.addr} ${a.value} ${a.name}`;
const macLines = (dev: string, run: string) =>
  readFileSync(join(DIR, dev, `${dev}-${run}.console.log`), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.startsWith('capture: eth0 address '));

const CONF = (idx: number, dr: number, dw: number, mr: number, mw: number) => ({
  'pci-conf-idx w': idx,
  'pci-conf-data r': dr,
  'pci-conf-data w': dw,
  'pcie-mmcfg-mmio r': mr,
  'pcie-mmcfg-mmio w': mw,
});

const DEVICES = [
  {
    dev: 'e1000',
    mac: '02:4d:49:4f:5a:01',
    probe: { lines: 12432, t: { 'e1000-mmio r': 6592, 'e1000-mmio w': 5550, 'e1000-io w': 4, ...CONF(123, 90, 33, 20, 20) } },
    order: { lines: 27955, t: { 'e1000-mmio r': 14471, 'e1000-mmio w': 13132, 'e1000-io w': 12, ...CONF(150, 114, 36, 20, 20) } },
  },
  {
    dev: 'e1000e',
    mac: '02:4d:49:4f:5a:02',
    probe: { lines: 1685, t: { 'e1000e-mmio r': 619, 'e1000e-mmio w': 550, 'msix-table r': 9, 'msix-table w': 17, ...CONF(195, 155, 40, 76, 24) } },
    order: { lines: 8637, t: { 'e1000e-mmio r': 3389, 'e1000e-mmio w': 4504, 'msix-table r': 42, 'msix-table w': 100, ...CONF(245, 196, 49, 88, 24) } },
  },
  {
    dev: 'rtl8139',
    mac: '02:4d:49:4f:5a:03',
    probe: { lines: 766, t: { 'rtl8139 r': 285, 'rtl8139 w': 225, ...CONF(108, 74, 34, 20, 20) } },
    order: { lines: 1492, t: { 'rtl8139 r': 664, 'rtl8139 w': 546, ...CONF(121, 83, 38, 20, 20) } },
  },
];

describe.each(DEVICES)('model fixtures: $dev', ({ dev, mac, probe, order }) => {
  it('two boots of the probe: the README counts, and the same sequence of accesses', async () => {
    const [a, b] = await Promise.all([accessesOf(`${dev}/${dev}-probe-1.log.gz`), accessesOf(`${dev}/${dev}-probe-2.log.gz`)]);
    for (const r of [a, b]) {
      expect(r.lines).toBe(probe.lines);
      expect(r.acc).toHaveLength(probe.lines);
      expect(table(r.acc)).toEqual(probe.t);
    }
    expect(b.acc.map(key)).toEqual(a.acc.map(key));
    expect(macLines(dev, 'probe-1')).toEqual([`capture: eth0 address ${mac}`]);
    expect(macLines(dev, 'probe-2')).toEqual([`capture: eth0 address ${mac}`]);
  });

  it('the run in another order: the README counts, two probes, the same MAC twice', async () => {
    const o = await accessesOf(`${dev}/${dev}-order.log.gz`);
    expect(o.lines).toBe(order.lines);
    expect(table(o.acc)).toEqual(order.t);
    // every config access is the NIC's: index writes select 00:01.0, ECAM addresses are its 4 KiB
    for (const a of o.acc) {
      if (a.name === 'pci-conf-idx') expect(BigInt(a.value) & 0xffffff00n).toBe(0x80000800n);
      if (a.name === 'pcie-mmcfg-mmio') expect(BigInt(a.addr!) >> 12n).toBe(0xb0008n);
    }
    // the remove path and the second probe: bus mastering off (0x103), then on again
    const cmd = o.acc.filter((a) => a.name === 'pci-conf-data' && a.type === 'write' && a.width === 2 && a.addr === '0xcfc').map((a) => a.value);
    expect(cmd.filter((v) => v === '0x103').length).toBeGreaterThanOrEqual(2);
    expect(macLines(dev, 'order')).toEqual([`capture: eth0 address ${mac}`, `capture: eth0 address ${mac}`]);
  });
});

describe('model fixtures: where the MAC comes from', () => {
  it('e1000e: EERD (BAR0 0x14) answers words 0-2 with the MAC', async () => {
    const { acc } = await accessesOf('e1000e/e1000e-probe-1.log.gz');
    const eerd = acc.filter((a) => a.addr === '0xfeba0014' && a.type === 'read').map((a) => a.value);
    expect([...new Set(eerd)].slice(0, 3)).toEqual(['0x4d020002', '0x4f490006', '0x25a000a']);
  });

  it('rtl8139: 500 of the 510 register accesses of a probe are Cfg9346 (0x50) bit-banging', async () => {
    const { acc } = await accessesOf('rtl8139/rtl8139-probe-1.log.gz');
    const regs = acc.filter((a) => a.name === 'rtl8139');
    expect(regs).toHaveLength(510);
    const cfg = regs.filter((a) => a.addr === '0xc050');
    expect(cfg.filter((a) => a.type === 'read')).toHaveLength(280);
    expect(cfg.filter((a) => a.type === 'write')).toHaveLength(220);
  });

  it('e1000: the probe writes EECD (BAR0 0x10) to bit-bang the EEPROM', async () => {
    const { acc } = await accessesOf('e1000/e1000-probe-1.log.gz');
    expect(acc.filter((a) => a.addr === '0xfebc0010' && a.type === 'write').length).toBeGreaterThan(1000);
    expect(acc.filter((a) => a.name === 'e1000-mmio')).toHaveLength(12142);
  });
});
