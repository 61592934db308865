/**
 * The real traces of ../shared/fixtures/real/e1000-probe: one e1000 driver
 * probe seen by Linux mmiotrace, by QEMU's memory-region tracing and by QEMU
 * VFIO tracing. Their README states what must hold; these tests prove it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openInput, stringifyEvent, type AccessEvent, type MmioEvent } from '@mmio-tools/core';
import { parseTrace } from '@mmio-tools/parse';
import { FIXTURES } from './helpers/util.js';

async function parseFile(name: string): Promise<{ events: MmioEvent[]; lines: number; unrecognised: number }> {
  const events: MmioEvent[] = [];
  const stats = await parseTrace(openInput(join(FIXTURES, name)), name, { format: 'auto', all: false, strict: true, lenient: false }, {
    event: (e) => events.push(e),
    warn: (w) => {
      throw new Error(w);
    },
  });
  return { events, lines: stats.lines, unrecognised: stats.unrecognised };
}

const accesses = (evs: MmioEvent[]) => evs.filter((e): e is AccessEvent => e.type === 'read' || e.type === 'write');

describe('real e1000 probe traces', () => {
  let mmio: Awaited<ReturnType<typeof parseFile>>;
  let memops: Awaited<ReturnType<typeof parseFile>>;
  let vfio: Awaited<ReturnType<typeof parseFile>>;

  beforeAll(async () => {
    [mmio, memops, vfio] = await Promise.all([parseFile('mmiotrace.log'), parseFile('qemu-memory-ops.log.gz'), parseFile('qemu-vfio.log')]);
  });

  it('parses all three, every line recognised (strict)', () => {
    expect(mmio.lines).toBe(11956);
    expect(memops.lines).toBe(1492393);
    expect(vfio.lines).toBe(12322);
  });

  it('mmiotrace: 11,946 accesses, all resolved to 0000:00:02.0 region 0 from 0xfebc0000', () => {
    const acc = accesses(mmio.events);
    expect(acc).toHaveLength(11946);
    for (const a of acc) {
      expect(a.dev).toBe('0000:00:02.0');
      expect(a.region).toBe(0);
      expect(BigInt(a.addr!) - BigInt(a.offset!)).toBe(0xfebc0000n);
    }
    expect(mmio.events.filter((e) => e.type === 'mark').map((e) => (e as { text: string }).text)).toEqual(['e1000 probe starting', 'e1000 probe done']);
    const dev = mmio.events.find((e) => e.type === 'device' && e.dev === '0000:00:02.0');
    expect(dev).toMatchObject({ vendor: '0x8086', device: '0x100e', bars: [{ index: 0, addr: '0xfebc0000', size: '0x20000' }, { index: 1, addr: '0xc000', size: '0x40', io: true }, { index: 6, addr: '0xfeb80000', size: '0x40000' }] });
  });

  it('mmiotrace accesses equal the first 11,946 e1000-mmio accesses of the memory-ops trace', () => {
    const e1000 = accesses(memops.events).filter((e) => e.name === 'e1000-mmio');
    expect(e1000).toHaveLength(12142);
    const key = (a: AccessEvent) => `${a.type} ${a.width} ${a.addr} ${a.value}`;
    expect(e1000.slice(0, 11946).map(key)).toEqual(accesses(mmio.events).map(key));
  });

  it('mmiotrace accesses equal the first 11,946 region-0 accesses of the VFIO trace', () => {
    const r0 = accesses(vfio.events).filter((e) => e.src === 'vfio' && e.region === 0);
    expect(r0[0]!.dev).toBe('0000:00:03.0');
    const key = (a: AccessEvent) => `${a.type} ${a.width} ${a.offset} ${a.value}`;
    expect(r0.slice(0, 11946).map(key)).toEqual(accesses(mmio.events).map(key));
    expect(r0[11946]!.line).toBe(12125);
  });

  it('VFIO trace: four region-1 writes, config space as region 7, thread ids 141 and 145', () => {
    const acc = accesses(vfio.events);
    expect(acc.filter((e) => e.region === 1).map((e) => [e.offset, e.value])).toEqual([
      ['0x0', '0x0'],
      ['0x4', '0x4140240'],
      ['0x0', '0x0'],
      ['0x4', '0x4140240'],
    ]);
    const cfg = acc.filter((e) => e.src === 'vfio-config');
    expect(cfg).toHaveLength(173);
    expect(cfg.every((e) => e.region === 7)).toBe(true);
    expect([...new Set(acc.map((e) => e.tid))].sort()).toEqual([141, 145]);
  });

  it('the fast path of mmio-parse writes the same NDJSON as the event objects, and takes nearly every line', async () => {
    for (const [name, parsed] of [['qemu-memory-ops.log.gz', memops], ['qemu-vfio.log', vfio]] as const) {
      const general = createHash('sha256');
      for (const e of parsed.events) general.update(stringifyEvent(e) + '\n');
      const fast = createHash('sha256');
      let texts = 0;
      await parseTrace(openInput(join(FIXTURES, name)), name, { format: 'auto', all: false, strict: true, lenient: false }, {
        event: (e) => fast.update(stringifyEvent(e) + '\n'),
        text: (line) => {
          texts++;
          fast.update(line + '\n');
        },
        warn: (w) => {
          throw new Error(w);
        },
      });
      expect(fast.digest('hex')).toBe(general.digest('hex'));
      expect(texts / parsed.events.length).toBeGreaterThan(0.98);
    }
  });
});
