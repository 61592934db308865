import { describe, expect, it } from 'vitest';
import { ByteWriter, InputError, maybeGunzip, stringifyEvent, type MmioEvent } from '@mmio-tools/core';
import { PassThrough } from 'node:stream';
import { parseTrace, type ParseOptions } from '../src/parse.js';
import { chunksOf, gz } from '../../../test/helpers/util.js';
import { SimpleTraceWriter } from '../../../test/helpers/simpletrace.js';

const DEFAULTS: ParseOptions = { format: 'auto', all: false, strict: false, lenient: false };

/**
 * Parse with event objects only, and again with the fast path's text lines
 * (as mmio-parse does): the two must give the same NDJSON, so every test here
 * holds the fast path to the general one.
 */
async function parse(data: string | Buffer, opts: Partial<ParseOptions> = {}) {
  const events: MmioEvent[] = [];
  const warnings: string[] = [];
  const stats = await parseTrace(maybeGunzip(chunksOf(data)), 'trace.log', { ...DEFAULTS, ...opts }, {
    event: (e) => events.push(e),
    warn: (w) => warnings.push(w),
  });
  const lines = events.map((e) => stringifyEvent(e));
  const fast: string[] = [];
  const fastStats = await parseTrace(maybeGunzip(chunksOf(data)), 'trace.log', { ...DEFAULTS, ...opts }, {
    event: (e) => fast.push(stringifyEvent(e)),
    text: (line) => fast.push(line),
    warn: () => undefined,
  });
  expect(fast).toEqual(lines);
  expect(fastStats).toEqual(stats);
  // The byte path (as mmio-parse runs it), in chunks that hold whole lines and in chunks that cut them.
  for (const size of [1 << 20, 97]) {
    // The general path in the same chunks (the first chunk decides whether an input reads as a paste).
    const same: string[] = [];
    const sameWarnings: string[] = [];
    const sameStats = await parseTrace(maybeGunzip(chunksOf(data, size)), 'trace.log', { ...DEFAULTS, ...opts }, { event: (e) => same.push(stringifyEvent(e)), warn: (m) => sameWarnings.push(m) });
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (d: Buffer) => got.push(d));
    const w = new ByteWriter(sink);
    const byteWarnings: string[] = [];
    const byteStats = await parseTrace(maybeGunzip(chunksOf(data, size)), 'trace.log', { ...DEFAULTS, ...opts }, {
      event: (e) => w.line(stringifyEvent(e)),
      text: (line) => w.line(line),
      bytes: w,
      warn: (m) => byteWarnings.push(m),
    }).finally(() => w.handOver());
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).toString()).toBe(same.map((l) => l + '\n').join(''));
    expect(byteStats).toEqual(sameStats);
    expect(byteWarnings).toEqual(sameWarnings);
  }
  return { events: lines.map((l) => JSON.parse(l)), stats, warnings };
}

async function parseError(data: string, opts: Partial<ParseOptions> = {}): Promise<string> {
  try {
    await parse(data, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const ie = e as InputError;
    return `${ie.file}:${ie.line}: ${ie.message}`;
  }
  throw new Error('expected an error');
}

// The real lines quoted in seed 000 (a BCM43602 NVRAM download traced with VFIO).
const SEED_000 = `493@1581830832.154442:vfio_region_write  (0000:03:00.0:region2+0x26c960, 0xa5a5a5a5, 4)
493@1581830832.154450:vfio_region_write  (0000:03:00.0:region2+0x26ffda, 0x5a5a, 2)
493@1581830832.154521:vfio_region_write  (0000:03:00.0:region2+0x26e120, 0x2c36382c37392c39, 8)
493@1581830832.159343:vfio_region_write  (0000:03:00.0:region2+0x26c988, 0x730032313d766572, 8)
493@1581830832.159368:vfio_region_write  (0000:03:00.0:region2+0x26c987, 0x6d, 1)
493@1581830832.159405:vfio_region_write  (0000:03:00.0:region2+0x26c978, 0x0, 4)
`;

describe('QEMU log backend', () => {
  it('parses the seed lines with widths 1, 2, 4 and 8 and exact 64-bit values', async () => {
    const { events } = await parse(SEED_000);
    expect(events).toEqual([
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c960', width: 4, value: '0xa5a5a5a5', t: 1581830832.154442, tid: 493, line: 1 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26ffda', width: 2, value: '0x5a5a', t: 1581830832.15445, tid: 493, line: 2 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26e120', width: 8, value: '0x2c36382c37392c39', t: 1581830832.154521, tid: 493, line: 3 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c988', width: 8, value: '0x730032313d766572', t: 1581830832.159343, tid: 493, line: 4 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c987', width: 1, value: '0x6d', t: 1581830832.159368, tid: 493, line: 5 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c978', width: 4, value: '0x0', t: 1581830832.159405, tid: 493, line: 6 },
    ]);
  });

  it('keeps the 64-bit value as text, exactly', async () => {
    const { events } = await parse(SEED_000);
    const raw = stringifyEvent(events[3] as MmioEvent);
    expect(raw).toContain('"value":"0x730032313d766572"');
  });

  it('parses the seed 003 line (nvahammer on a GeForce)', async () => {
    const { events } = await parse('12347@1424299207.289770:vfio_region_write  (0000:05:00.0:region0+0xa404, 0xdeadbeef, 4)\n');
    expect(events).toEqual([
      { type: 'write', src: 'vfio', dev: '0000:05:00.0', region: 0, offset: '0xa404', width: 4, value: '0xdeadbeef', t: 1424299207.28977, tid: 12347, line: 1 },
    ]);
  });

  it('reads every prefix variant: none, ISO-8601, ftrace', async () => {
    const text = [
      'vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)',
      '2025-07-21T18:43:28.089797Z vfio_region_read  (0000:03:00.0:region0+0x8, 4) = 0x80080783',
      '  qemu-system-x86-5119    [001] .....  8124.662013: tracing_mark_write: vfio_region_write  (0000:03:00.0:region2+0x26c960, 0xa5a5a5a5, 4)',
      ' CPU 0/KVM-2841  [003] d..1. 77.000100: tracing_mark_write: vfio_pci_read_config  (0000:01:00.0, @0x0, len=0x4) 0x10de0640',
    ].join('\n');
    const { events } = await parse(text);
    expect(events).toEqual([
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x10', width: 4, value: '0x1', line: 1 },
      { type: 'read', src: 'vfio', dev: '0000:03:00.0', region: 0, offset: '0x8', width: 4, value: '0x80080783', t: 1753123408.089797, line: 2 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c960', width: 4, value: '0xa5a5a5a5', t: 8124.662013, tid: 5119, line: 3 },
      { type: 'read', src: 'vfio-config', dev: '0000:01:00.0', region: 7, offset: '0x0', width: 4, value: '0x10de0640', t: 77.0001, tid: 2841, line: 4 },
    ]);
  });

  it('parses the real VFIO config-space and region lines', async () => {
    const text = `145@1795266105.011655:vfio_pci_write_config  (0000:00:03.0, @0x10, 0xffffffff, len=0x4)
145@1795266105.011739:vfio_pci_read_config  (0000:00:03.0, @0x10, len=0x4) 0xfffe0000
141@1795266104.351911:vfio_intx_enable  (0000:00:03.0)
145@1795266230.458732:vfio_region_read  (0000:00:03.0:region0+0x20, 4) = 0x18217949
145@1795266207.919680:vfio_region_write  (0000:00:03.0:region1+0x4, 0x4140240, 4)
`;
    const { events, stats } = await parse(text);
    expect(events.map((e) => [e.type, e.src, e.region, e.offset, e.width, e.value, e.tid])).toEqual([
      ['write', 'vfio-config', 7, '0x10', 4, '0xffffffff', 145],
      ['read', 'vfio-config', 7, '0x10', 4, '0xfffe0000', 145],
      ['irq', 'vfio', undefined, undefined, undefined, undefined, 141],
      ['read', 'vfio', 0, '0x20', 4, '0x18217949', 145],
      ['write', 'vfio', 1, '0x4', 4, '0x4140240', 145],
    ]);
    expect(stats.unrecognised).toBe(0);
  });

  it('emits other QEMU events with --all', async () => {
    const { events } = await parse('141@1795266104.351911:vfio_iommu_map_notify iommu map @ 0x0 - 0xfff\n', { all: true });
    expect(events).toEqual([{ type: 'event', src: 'qemu', name: 'vfio_iommu_map_notify', args: 'iommu map @ 0x0 - 0xfff', t: 1795266104.351911, tid: 141, line: 1 }]);
  });

  it('parses memory_region_ops with and without the name, absolute address kept', async () => {
    const text = `3093@1795265662.112533:memory_region_ops_write cpu -1 mr 0x55bba96dc9e0 addr 0xfee00000 value 0x0 size 4 name 'apic-msi'
memory_region_ops_read cpu 0 mr 0x55d0c0b2a000 addr 0xfebc0008 value 0x80080783 size 4
`;
    const { events } = await parse(text);
    expect(events).toEqual([
      { type: 'write', src: 'memory', name: 'apic-msi', addr: '0xfee00000', width: 4, value: '0x0', cpu: -1, mr: '0x55bba96dc9e0', t: 1795265662.112533, tid: 3093, line: 1 },
      { type: 'read', src: 'memory', addr: '0xfebc0008', width: 4, value: '0x80080783', cpu: 0, mr: '0x55d0c0b2a000', line: 2 },
    ]);
  });

  it('skips indented continuation lines without error, even with --strict', async () => {
    const text = '1@1.000001:vfio_populate_device_config Device 0000:03:00.0 config:\n  size: 0x1000, offset: 0x70000000000, flags: 0x3\n';
    const { events, stats } = await parse(text, { strict: true });
    expect(events).toEqual([]);
    expect(stats.unrecognised).toBe(0);
  });

  it('counts lines of other content, and --strict makes them errors', async () => {
    const text = 'qemu-system-x86_64: warning: host doesnt support requested feature\n1@1.000001:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)\nhello world\n';
    const { events, stats } = await parse(text);
    expect(events).toHaveLength(1);
    expect(stats.unrecognised).toBe(2);
    expect(stats.firstUnrecognised).toBe(1);
    expect(await parseError(text, { strict: true })).toBe('trace.log:1: unrecognised line "qemu-system-x86_64: warning: host doesnt support requested feature"');
  });
});

describe('malformed lines', () => {
  it('reports a bad width with file, line and event', async () => {
    const text = `1@1.000001:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)\n1@1.000002:vfio_region_write  (0000:03:00.0:region2+0x4, 0x1, 3)\n`;
    expect(await parseError(text)).toBe('trace.log:2: vfio_region_write: width 3 is not 1, 2, 4 or 8');
  });

  it('reports bad hex and truncated lines', async () => {
    expect(await parseError('1@1.1:vfio_region_write  (0000:03:00.0:region2+0xZZ, 0x1, 4)\n')).toBe(
      'trace.log:1: vfio_region_write: cannot read arguments "(0000:03:00.0:region2+0xZZ, 0x1, 4)"',
    );
    expect(await parseError('1@1.1:vfio_region_read  (0000:03:00.0:region2+0x10, 4) =\n')).toBe(
      'trace.log:1: vfio_region_read: cannot read arguments "(0000:03:00.0:region2+0x10, 4) ="',
    );
    expect(await parseError('VERSION 20070824\nW 4 1.902493 1 0xfebc00d8\n')).toBe('trace.log:2: mmiotrace write: value is missing (expected 7 fields, found 4)');
    expect(await parseError('R 3 1.902493 1 0xfebc00d8 0x1 0x0 0\n')).toBe('trace.log:1: mmiotrace read: width 3 is not 1, 2, 4 or 8');
    expect(await parseError('W 4 1.902493 1 0xfebc00d8 0xq1 0x0 0\n')).toBe('trace.log:1: mmiotrace write: value "0xq1" is not a 0x hex number');
  });

  it('--lenient skips malformed lines with a warning', async () => {
    const text = `1@1.1:vfio_region_write  (0000:03:00.0:region2+0x4, 0x1, 3)\n1@1.2:vfio_region_write  (0000:03:00.0:region2+0x8, 0x2, 4)\n`;
    const { events, stats, warnings } = await parse(text, { lenient: true });
    expect(events.map((e) => e.offset)).toEqual(['0x8']);
    expect(stats.malformed).toBe(1);
    expect(warnings).toEqual(['trace.log:1: vfio_region_write: width 3 is not 1, 2, 4 or 8 (skipped)']);
  });
});

const MMIOTRACE = `VERSION 20070824
PCIDEV 0010 8086100e b febc0000 c001 0 0 0 0 feb80000 20000 40 0 0 0 0 40000 e1000
PCIDEV 0300 14e443ba 10 0 0 f0000004 0 0 0 0 0 0 400000 0 0 0 0 brcmfmac
MARK 1.840498 e1000 probe starting
MAP 1.891224 1 0xfebc0000 0xffffd0c4006a0000 0x20000 0x0 0
R 4 1.893641 1 0xfebc0008 0x80080783 0xffffffffc0a1b2c3 0
W 2 1.902493 1 0xf0000010 0xbeef 0x0 0
W 4 1.902500 1 0xe0000000 0x1 0x0 0
UNKNOWN 1.902600 1 0xfebc0010 0f,b7,46 0xffffffffc0a1b2d0 0
MARK 0.000000 Lost 12 events.
UNMAP 2.000000 1 0x0 0
`;

describe('Linux mmiotrace', () => {
  it('parses every record and resolves accesses through the PCIDEV BARs', async () => {
    const { events, stats } = await parse(MMIOTRACE);
    expect(stats.unrecognised).toBe(0);
    expect(events).toEqual([
      {
        type: 'device', src: 'mmiotrace', dev: '0000:00:02.0', vendor: '0x8086', device: '0x100e', irq: 11,
        bars: [{ index: 0, addr: '0xfebc0000', size: '0x20000' }, { index: 1, addr: '0xc000', size: '0x40', io: true, flags: '0x1' }, { index: 6, addr: '0xfeb80000', size: '0x40000' }],
        driver: 'e1000', line: 2,
      },
      {
        type: 'device', src: 'mmiotrace', dev: '0000:03:00.0', vendor: '0x14e4', device: '0x43ba', irq: 16,
        bars: [{ index: 2, addr: '0xf0000000', size: '0x400000', flags: '0x4' }], driver: 'brcmfmac', line: 3,
      },
      { type: 'mark', src: 'mmiotrace', text: 'e1000 probe starting', t: 1.840498, line: 4 },
      { type: 'map', src: 'mmiotrace', dev: '0000:00:02.0', region: 0, offset: '0x0', addr: '0xfebc0000', id: 1, len: '0x20000', virt: '0xffffd0c4006a0000', t: 1.891224, line: 5 },
      { type: 'read', src: 'mmiotrace', dev: '0000:00:02.0', region: 0, offset: '0x8', addr: '0xfebc0008', width: 4, value: '0x80080783', pc: '0xffffffffc0a1b2c3', map: 1, t: 1.893641, line: 6 },
      { type: 'write', src: 'mmiotrace', dev: '0000:03:00.0', region: 2, offset: '0x10', addr: '0xf0000010', width: 2, value: '0xbeef', pc: '0x0', map: 1, t: 1.902493, line: 7 },
      { type: 'write', src: 'mmiotrace', addr: '0xe0000000', width: 4, value: '0x1', pc: '0x0', map: 1, t: 1.9025, line: 8 },
      { type: 'unknown-op', src: 'mmiotrace', dev: '0000:00:02.0', region: 0, offset: '0x10', addr: '0xfebc0010', opcode: '0f,b7,46', pc: '0xffffffffc0a1b2d0', t: 1.9026, line: 9 },
      { type: 'lost', src: 'mmiotrace', count: 12, t: 0, line: 10 },
      { type: 'unmap', src: 'mmiotrace', id: 1, t: 2, line: 11 },
    ]);
  });

  it('--format qemu does not read mmiotrace lines', async () => {
    const { events, stats } = await parse(MMIOTRACE, { format: 'qemu' });
    expect(events).toEqual([]);
    expect(stats.unrecognised).toBe(11);
  });
});

describe('QEMU simpletrace', () => {
  const trace = new SimpleTraceWriter()
    .event('vfio_region_write', 1_500_000_000n, ['0000:03:00.0', 2, 0x26c988n, 0x730032313d766572n, 8])
    .event('vfio_region_read', 1_500_001_000n, ['0000:03:00.0', 0, 0x8n, 4, 0x80080783n])
    .event('vfio_intx_enable', 1_500_002_000n, ['0000:03:00.0'])
    .event('vfio_pci_read_config', 1_500_003_000n, ['0000:03:00.0', 0x3d, 1, 1])
    .event('vfio_pci_write_config', 1_500_004_000n, ['0000:03:00.0', 0x4, 0x100, 2])
    .dropped(1_500_005_000n, 7)
    .event('memory_region_ops_write', 1_500_006_000n, [-1, 0x55bba96dc9e0n, 0xfebc00d8n, 0xffffffffn, 4, 'e1000-mmio'])
    .event('memory_region_ops_read', 1_500_007_000n, [0, 0x55bba96dc9e0n, 0xfebc0008n, 0x80080783n, 4])
    .toBuffer();

  it('decodes accesses, config space and dropped records without a trace-events file', async () => {
    const { events, stats } = await parse(trace);
    expect(stats.format).toBe('simple');
    expect(events).toEqual([
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x26c988', width: 8, value: '0x730032313d766572', t: 1.5, line: 2 },
      { type: 'read', src: 'vfio', dev: '0000:03:00.0', region: 0, offset: '0x8', width: 4, value: '0x80080783', t: 1.500001, line: 4 },
      { type: 'read', src: 'vfio-config', dev: '0000:03:00.0', region: 7, offset: '0x3d', width: 1, value: '0x1', t: 1.500003, line: 8 },
      { type: 'write', src: 'vfio-config', dev: '0000:03:00.0', region: 7, offset: '0x4', width: 2, value: '0x100', t: 1.500004, line: 10 },
      { type: 'lost', src: 'simpletrace', count: 7, t: 1.500005, line: 11 },
      { type: 'write', src: 'memory', name: 'e1000-mmio', addr: '0xfebc00d8', width: 4, value: '0xffffffff', cpu: -1, mr: '0x55bba96dc9e0', t: 1.500006, line: 13 },
      { type: 'read', src: 'memory', addr: '0xfebc0008', width: 4, value: '0x80080783', cpu: 0, mr: '0x55bba96dc9e0', t: 1.500007, line: 15 },
    ]);
  });

  it('reads it gzip-compressed too, and --all names other events', async () => {
    const { events } = await parse(gz(trace), { all: true });
    expect(events.filter((e) => e.type === 'event')).toEqual([
      { type: 'event', src: 'simpletrace', name: 'vfio_intx_enable', args: '0c000000' + Buffer.from('0000:03:00.0').toString('hex'), t: 1.500002, line: 6 },
    ]);
  });

  it('fails on a truncated file with the record number', async () => {
    await expect(parse(trace.subarray(0, trace.length - 3))).rejects.toThrow('truncated record at end of file');
  });
});

describe('gzip', () => {
  it('is detected from the bytes', async () => {
    const { events } = await parse(gz(SEED_000));
    expect(events).toHaveLength(6);
  });
});
