import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseTrace } from '@mmio-tools/parse';
import { stringifyEvent, type MmioEvent } from '@mmio-tools/core';
import { MmiotraceLayout, MmiotraceWriter, parseBaseOption, qemuLine, csvRow, csvHeader, textLine, DEFAULT_BASE } from '../src/index.js';
import { chunksOf, FIXTURES, run, sh } from '../../../test/helpers/util.js';
import { checkMmiotrace } from '../../../test/helpers/mmiotrace-strict.js';

type Ev = Record<string, unknown> & { type: string };

async function parse(text: string): Promise<Ev[]> {
  const out: Ev[] = [];
  await parseTrace(chunksOf(text, 1 << 16), 'x', { format: 'auto', all: true, strict: true, lenient: false }, { event: (e) => out.push(JSON.parse(stringifyEvent(e))), warn: () => undefined });
  return out;
}

function toMmiotrace(evs: Ev[], bases: ReturnType<typeof parseBaseOption>[] = []): string {
  const layout = new MmiotraceLayout(bases.map((b) => b!));
  for (const e of evs) layout.scan(e);
  const w = new MmiotraceWriter(layout);
  const lines = w.header();
  evs.forEach((e, i) => lines.push(...w.write(e, 'x', i + 1)));
  return lines.join('\n') + '\n';
}

const toQemu = (evs: Ev[]) => evs.map((e) => qemuLine(e)).filter((l) => l !== undefined).join('\n') + '\n';
const noLine = ({ line: _l, ...rest }: Ev) => rest;
const pick = (keys: string[]) => (e: Ev) => Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));

const hexOf = (n: bigint) => '0x' + n.toString(16);
/** Random VFIO accesses in mmio-parse's output form. */
const vfioAccess = fc
  .record({
    type: fc.constantFrom('read', 'write'),
    dev: fc.constantFrom('0000:03:00.0', '0000:04:00.0', '0000:81:00.1'),
    region: fc.constantFrom(0, 1, 2, 4, 5),
    offset: fc.bigInt({ min: 0n, max: 0xffffffn }),
    width: fc.constantFrom(1, 2, 4, 8),
    value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    sec: fc.integer({ min: 0, max: 4_000_000_000 }),
    usec: fc.integer({ min: 0, max: 999_999 }),
    tid: fc.integer({ min: 1, max: 4_000_000 }),
  })
  .map((r): Ev => ({
    type: r.type,
    src: 'vfio',
    dev: r.dev,
    region: r.region,
    offset: hexOf(r.offset),
    width: r.width,
    value: hexOf(r.value & ((1n << BigInt(8 * r.width)) - 1n)),
    t: Number(`${r.sec}.${String(r.usec).padStart(6, '0')}`),
    tid: r.tid,
  }));
const memoryAccess = fc
  .record({
    type: fc.constantFrom('read', 'write'),
    name: fc.constantFrom('e1000-mmio', 'rtc', 'apic-msi', 'pci_bridge_io'),
    addr: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
    width: fc.constantFrom(1, 2, 4, 8),
    value: fc.bigInt({ min: 0n, max: 0xffffffffn }),
    cpu: fc.integer({ min: -1, max: 7 }),
    mr: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
    t: fc.integer({ min: 0, max: 2 ** 40 }).map((us) => Number((us / 1e6).toFixed(6))),
    tid: fc.integer({ min: 1, max: 99999 }),
  })
  .map((r): Ev => ({
    type: r.type,
    src: 'memory',
    name: r.name,
    addr: hexOf(r.addr),
    width: r.width,
    value: hexOf(r.value & ((1n << BigInt(8 * r.width)) - 1n)),
    cpu: r.cpu,
    mr: hexOf(r.mr),
    t: r.t,
    tid: r.tid,
  }));

describe('round trip: mmio-parse | mmio-format --to X | mmio-parse', () => {
  it('qemu: random VFIO and memory-region accesses come back equal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(vfioAccess, memoryAccess), { minLength: 1, maxLength: 60 }), async (evs) => {
        expect((await parse(toQemu(evs))).map(noLine)).toEqual(evs);
      }),
      { numRuns: 200 },
    );
  });

  it('mmiotrace: random VFIO accesses come back with the same device, region, offset, width, value and time', async () => {
    const keys = ['type', 'dev', 'region', 'offset', 'width', 'value', 't'];
    await fc.assert(
      fc.asyncProperty(fc.array(vfioAccess, { minLength: 1, maxLength: 60 }), async (evs) => {
        const text = toMmiotrace(evs);
        expect(checkMmiotrace(text)).toEqual([]);
        const back = (await parse(text)).filter((e) => e.type === 'read' || e.type === 'write');
        expect(back.map(pick(keys))).toEqual(evs.map(pick(keys)));
      }),
      { numRuns: 200 },
    );
  });

  it('mmiotrace: --id gives the IDs a trace lacks; an NVIDIA card gets a BAR1 so that demmio registers it', async () => {
    const input = '1@1.5:vfio_region_read  (0000:01:00.0:region0+0x0, 4) = 0x92000a2\n';
    const plain = await run('mmio-format', ['--to', 'mmiotrace', '-'], input);
    expect(plain.stdout.split('\n')[1]).toBe('PCIDEV 0100 00000000 0 f0000000 0 0 0 0 0 0 1000 0 0 0 0 0 0 ');
    const nv = await run('mmio-format', ['--to', 'mmiotrace', '--id', '10de:0641', '-'], input);
    expect(nv.stdout.split('\n')[1]).toBe('PCIDEV 0100 10de0641 0 f0000000 f1000000 0 0 0 0 0 1000 1000000 0 0 0 0 0 ');
    const one = await run('mmio-format', ['--to', 'mmiotrace', '--id', '02:00.0=10de:0641', '-'], input);
    expect(one.stdout.split('\n')[1]).toBe('PCIDEV 0100 00000000 0 f0000000 0 0 0 0 0 0 1000 0 0 0 0 0 0 ');
    expect((await run('mmio-format', ['--to', 'qemu', '--id', '10de:0641'], '')).code).toBe(2);
  });

  it('mmiotrace: accesses keep their MAP id, so a trace with overlapping MAPs comes back byte for byte', async () => {
    const text = [
      'VERSION 20070824',
      'PCIDEV 0100 10de0641 10 f0000000 0 e0000000 0 0 0 0 1000000 0 10000000 0 0 0 0 nouveau',
      'MAP 1.000000 1 0xf0000000 0xffffc90000000000 0x1000000 0x0 0',
      'MAP 1.000100 2 0xf0000000 0xffffc90002000000 0x1000 0x0 0',
      'R 4 1.000200 1 0xf0000000 0x92000a2 0xffffffffc0001000 0',
      'R 4 1.000300 2 0xf0000000 0x92000a2 0xffffffffc0002000 0',
      'W 4 1.000400 1 0xf0000004 0x1 0xffffffffc0003000 0',
      'UNMAP 1.000500 2 0x0 0',
      'R 4 1.000600 1 0xf0000000 0x92000a2 0xffffffffc0001000 0',
      '',
    ].join('\n');
    expect(toMmiotrace(await parse(text))).toBe(text);
  });

  it('mmiotrace: the real e1000 mmiotrace log comes back byte for byte (its CRLF aside) and event for event', async () => {
    const original = readFileSync(join(FIXTURES, 'mmiotrace.log'), 'utf8');
    const evs = await parse(original);
    const text = toMmiotrace(evs);
    expect(text).toBe(original.replace(/\r\n/g, '\n'));
    expect(checkMmiotrace(text)).toEqual([]);
    expect((await parse(text)).map(noLine)).toEqual(evs.map(noLine));
  });

  it('qemu: the real VFIO trace and the real memory-ops trace come back event for event', async () => {
    for (const text of [readFileSync(join(FIXTURES, 'qemu-vfio.log'), 'utf8'), gunzipSync(readFileSync(join(FIXTURES, 'qemu-memory-ops.log.gz'))).toString().split('\n').slice(0, 60000).join('\n')]) {
      const evs = (await parse(text)).filter((e) => e.type === 'read' || e.type === 'write');
      expect(evs.length).toBeGreaterThan(10000);
      expect((await parse(toQemu(evs))).map(noLine)).toEqual(evs.map(noLine));
    }
  });

  it('mmiotrace: the real VFIO trace becomes a valid mmiotrace log with every memory BAR access in it, and the PCIDEV line of its config space', async () => {
    const evs = await parse(readFileSync(join(FIXTURES, 'qemu-vfio.log'), 'utf8'));
    const text = toMmiotrace(evs);
    expect(checkMmiotrace(text)).toEqual([]);
    // The device as the guest's config space shows it: 8086:100e, BAR0 at 0xfebe0000 sized 0x20000 by its
    // mask 0xfffe0000, the I/O BAR at 0xc000 (0xc001: I/O) sized 0x40 by 0xffffffc1, interrupt line 0xa.
    expect(text.split('\n')[1]).toBe('PCIDEV 0018 8086100e a febe0000 c001 0 0 0 0 0 20000 40 0 0 0 0 0 ');
    // I/O BAR accesses are left out: mmiotrace traces memory only.
    const bar = evs.filter((e) => (e.type === 'read' || e.type === 'write') && (e.region as number) < 7 && e.region !== 1);
    const keys = ['type', 'dev', 'region', 'offset', 'width', 'value', 't'];
    const back = (await parse(text)).filter((e) => e.type === 'read' || e.type === 'write');
    expect(bar.length).toBe(12142);
    expect(back.map(pick(keys))).toEqual(bar.map(pick(keys)));
  });
});

describe('mmiotrace layout', () => {
  const acc = (dev: string, region: number, offset: string, extra: Partial<Ev> = {}): Ev => ({ type: 'write', src: 'vfio', dev, region, offset, width: 4, value: '0x1', t: 1.5, ...extra });

  it('places regions at size-aligned, non-overlapping bases from 0xf0000000, and --base wins', () => {
    const evs = [acc('0000:03:00.0', 0, '0x7ffc'), acc('0000:03:00.0', 2, '0x26fffc'), acc('0000:04:00.0', 0, '0x10')];
    const text = toMmiotrace(evs);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'VERSION 20070824',
      'PCIDEV 0300 00000000 0 f0000000 0 f0400000 0 0 0 0 8000 0 400000 0 0 0 0 ',
      'PCIDEV 0400 00000000 0 f0008000 0 0 0 0 0 0 1000 0 0 0 0 0 0 ',
    ]);
    expect(DEFAULT_BASE).toBe(0xf0000000n);
    const based = toMmiotrace(evs, [parseBaseOption('0000:03:00.0:2=0xe0000000'), parseBaseOption('04:00.0:0=0xf0000000')]);
    expect(based.split('\n').slice(1, 3)).toEqual([
      'PCIDEV 0300 00000000 0 f0008000 0 e0000000 0 0 0 0 8000 0 400000 0 0 0 0 ',
      'PCIDEV 0400 00000000 0 f0000000 0 0 0 0 0 0 1000 0 0 0 0 0 0 ',
    ]);
    expect(based).toContain('W 4 1.500000 2 0xe026fffc 0x1 0x0 0');
  });

  it('takes vendor and device IDs from config-space reads, and writes MAP before the first access of a region', () => {
    const text = toMmiotrace([
      { type: 'read', src: 'vfio-config', dev: '0000:03:00.0', region: 7, offset: '0x0', width: 4, value: '0x43ba14e4', t: 1 },
      acc('0000:03:00.0', 0, '0x10', { t: 2.000001 }),
      acc('0000:03:00.0', 0, '0x14', { type: 'read', t: 2.5 }),
    ]);
    expect(text).toBe(
      'VERSION 20070824\n' +
        'PCIDEV 0300 14e443ba 0 f0000000 0 0 0 0 0 0 1000 0 0 0 0 0 0 \n' +
        'MAP 2.000001 1 0xf0000000 0xffffc90000000000 0x1000 0x0 0\n' +
        'W 4 2.000001 1 0xf0000010 0x1 0x0 0\n' +
        'R 4 2.500000 1 0xf0000014 0x1 0x0 0\n',
    );
  });

  it('rejects a malformed --base', () => {
    expect(parseBaseOption('0000:03:00.0:2=0xf0000000')).toEqual({ dev: '0000:03:00.0', region: 2, base: 0xf0000000n });
    expect(parseBaseOption('03:00.0=0x1')).toBeUndefined();
    expect(parseBaseOption('0000:03:00.0:2=zz')).toBeUndefined();
  });
});

describe('csv and text', () => {
  const ev: Ev = { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 0, offset: '0x1800', width: 4, value: '0x1', reg: 'CHIPC_RESET', fields: { EN: 1, MODE: 'ON' }, t: 1581830830.00008, tid: 493, line: 7 };
  it('csv has a header and keeps hex as text', () => {
    expect(csvHeader()).toBe('type,src,dev,region,name,offset,addr,width,value,reg,fields,decoded,repeat,t,tid,line');
    expect(csvRow(ev)).toBe('write,vfio,0000:03:00.0,0,,0x1800,,4,0x1,CHIPC_RESET,EN=0x1 MODE=ON,,,1581830830.00008,493,7');
    expect(csvRow({ ...ev, name: 'a,"b"' })).toContain(',"a,""b""",');
    expect(csvRow({ type: 'mark', text: 'x' })).toBeUndefined();
  });
  it('text lines are aligned columns with the register name', () => {
    expect(textLine(ev)).toBe('1581830830.000080  0000:03:00.0   0  W  0x1800      4  0x1         CHIPC_RESET {EN=0x1 MODE=ON}');
    expect(textLine({ type: 'mark', text: 'probe', t: 2 })).toBe('         2.000000  -- mark: probe');
  });
});

describe('mmio-format CLI', () => {
  it('reads stdin twice for mmiotrace through a spool file, and names stdin in errors', async () => {
    const input = ['{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x0","width":4,"value":"0x1","t":1}', '{"type":"write"'].join('\n');
    const r = await run('mmio-format', ['--to', 'mmiotrace'], input);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mmio-format: <stdin>:2: invalid JSON/);
    // As every form does: the output of what came before the bad line.
    expect(r.stdout.split('\n').slice(-2)).toEqual(['W 4 1.000000 1 0xf0000000 0x1 0x0 0', '']);
    const ok = await run('mmio-format', ['--to', 'mmiotrace'], input.split('\n')[0]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[3]).toBe('W 4 1.000000 1 0xf0000000 0x1 0x0 0');
  });
  it('usage errors exit 2', async () => {
    expect((await run('mmio-format', [], '')).code).toBe(2);
    expect((await run('mmio-format', ['--to', 'qemu', '--base', '03:00.0:2=0x1'], '')).code).toBe(2);
    expect((await run('mmio-format', ['--to', 'mmiotrace', '--base', 'nope'], '')).code).toBe(2);
  });
  it('--to qemu keeps the times of events without a thread id (mmiotrace, ISO-prefixed logs) in an ISO-8601 prefix', async () => {
    const r = await sh(`mmio-format --to qemu ${join(FIXTURES, 'mmiotrace.log')} 2>/dev/null | head -1`);
    expect(r.stdout).toBe('1970-01-01T00:00:01.893641Z vfio_region_read  (0000:00:02.0:region0+0x8, 4) = 0x80080783\n');
    const back = await sh(`diff <(mmio-filter -t read,write ${join(FIXTURES, 'mmiotrace.log')} | jq -c '[.type,.offset,.value,.t]') <(mmio-format --to qemu ${join(FIXTURES, 'mmiotrace.log')} 2>/dev/null | mmio-parse | jq -c '[.type,.offset,.value,.t]') && echo same`);
    expect(back.stdout).toBe('same\n');
    const iso = await run('mmio-format', ['--to', 'qemu'], '{"type":"read","dev":"0000:03:00.0","region":0,"offset":"0x8","width":4,"value":"0x1","t":1753123408.089797}\n');
    expect(iso.stdout).toBe('2025-07-21T18:43:28.089797Z vfio_region_read  (0000:03:00.0:region0+0x8, 4) = 0x1\n');
  });

  it('parse | format --to qemu | parse on the example trace gives the same events', async () => {
    const r = await sh('diff <(mmio-parse examples/bcm43602/trace.log | jq -c "del(.line)") <(mmio-parse examples/bcm43602/trace.log | mmio-format --to qemu | mmio-parse | jq -c "del(.line)") && echo same');
    expect(r.stdout).toBe('same\n');
  });
});
