/**
 * Issue 14 as a user meets it at the command line: exact stdout events, the
 * one stderr line and the exit code, for traces as people have them, context
 * events, impossible values in every event reader, and liberal reading.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, run, sh } from './helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'mmio-fidelity-'));
const put = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const W = (off: string, v: string, w = 4) => `1@1.5:vfio_region_write  (0000:03:00.0:region2+${off}, ${v}, ${w})\n`;

describe('mmio-parse at the command line', () => {
  it('a log copied while QEMU wrote it: every whole line, then one warning with file:line, exit 0; --strict: exit 1', async () => {
    const f = put('cut.log', `${W('0x0', '0x1')}2026-06-12T20:16:15.309339Z vfio_region_read  (0000:09:00.0:region0`);
    const r = await run('mmio-parse', [f]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.offset)).toEqual(['0x0']);
    expect(r.stderr).toBe(`mmio-parse: ${f}:2: last line is cut short (no newline at end of file); skipped\n`);
    const s = await run('mmio-parse', ['--strict', f]);
    expect(s.code).toBe(1);
    expect(s.stderr).toBe(`mmio-parse: ${f}:2: vfio_region_read: cannot read arguments "(0000:09:00.0:region0"\n`);
  });

  it('an mmapped region: one warning per region, however often QEMU turns its mmaps on', async () => {
    const f = put('mmap.log', [
      '10@1.000001:vfio_region_setup Device 0000:04:00.0, region 0 "0000:04:00.0 BAR 0", flags: 0xf, offset: 0x0, size: 0x4000',
      '10@1.000002:vfio_region_mmap Region 0000:04:00.0 BAR 0 mmaps[0] [0x0 - 0x3fff]',
      '10@1.000003:vfio_region_mmaps_set_enabled Region 0000:04:00.0 BAR 0 mmaps enabled: 0',
      '10@1.000004:vfio_region_mmaps_set_enabled Region 0000:04:00.0 BAR 0 mmaps enabled: 1',
      '',
    ].join('\n'));
    const r = await run('mmio-parse', [f]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`mmio-parse: ${f}:2: region 0 of 0000:04:00.0 is mmapped: its accesses are not traced (x-no-mmap=true traces them)\n`);
    expect(jsonLines(r.stdout).map((e) => e.type)).toEqual(['region', 'mmap', 'mmap', 'mmap']);
    // mmio-filter passes them like marks, and mmio-format --to text says what they mean.
    const t = await sh(`mmio-parse ${f} 2>/dev/null | mmio-filter --type write,mmap | mmio-format --to text`);
    expect(t.stdout.split('\n')[0]).toBe('         1.000002  -- region 0 of 0000:04:00.0 [0x0, 0x4000) mmapped: accesses NOT traced');
  });

  it('several inputs: each event says which file it came from; one input: unchanged', async () => {
    const a = put('a.log', W('0x0', '0x1'));
    const b = put('b.log', W('0x4', '0x2'));
    const r = await run('mmio-parse', [a, b]);
    expect(r.stdout).toBe(
      `{"type":"write","src":"vfio","dev":"0000:03:00.0","region":2,"offset":"0x0","width":4,"value":"0x1","file":${JSON.stringify(a)},"t":1.5,"tid":1,"line":1}\n` +
        `{"type":"write","src":"vfio","dev":"0000:03:00.0","region":2,"offset":"0x4","width":4,"value":"0x2","file":${JSON.stringify(b)},"t":1.5,"tid":1,"line":1}\n`,
    );
    const one = await run('mmio-parse', [a]);
    expect(one.stdout).not.toContain('"file"');
    // The file field survives mmio-filter's fast reader.
    const f = await sh(`mmio-parse ${a} ${b} | mmio-filter --offset 0x4+4`);
    expect(jsonLines(f.stdout).map((e) => e.file)).toEqual([b]);
  });

  it('-j 12 into a pipe: stderr has nothing but our own lines', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 40000; i++) lines.push(`1@1.${String(i).padStart(6, '0')}:vfio_region_write  (0000:03:00.0:region2+0x${(i * 4).toString(16)}, 0x${i.toString(16)}, 4)`);
    const f = put('big.log', lines.join('\n') + '\n');
    const r = await sh(`mmio-parse -j 12 ${f} | wc -l`);
    expect(r.stdout.trim()).toBe('40000');
    expect(r.stderr).toBe('');
  });
});

describe('every event reader refuses values that cannot be, with file:line', () => {
  const wide = '{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x0","width":1,"value":"0x100"}\n';
  it.each([
    ['mmio-filter', []],
    ['mmio-replay', ['-o', join(tmpdir(), 'never-written.bin')]],
    ['mmio-format', ['--to', 'text']],
    ['mmio-annotate', ['--regs', 'examples/bcm43602/regs.json']],
  ] as const)('%s', async (tool, args) => {
    const r = await run(tool, [...args], wide);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${tool}: <stdin>:1: value 0x100 does not fit in 1 byte\n`);
  });

  it('mmio-replay: an access ending past 2^64 and a number past 64 bits', async () => {
    const r = await run('mmio-replay', ['-o', join(dir, 'x.bin')], '{"type":"write","addr":"0xffffffffffffffff","width":2,"value":"0x1"}\n');
    expect(r.stderr).toBe('mmio-replay: <stdin>:1: addr 0xffffffffffffffff + width 2 ends past 2^64\n');
    const s = await run('mmio-replay', ['-o', join(dir, 'x.bin')], '{"type":"write","addr":"0x10000000000000000","width":2,"value":"0x1"}\n');
    expect(s.stderr).toBe('mmio-replay: <stdin>:1: "addr" must be a hex string of at most 64 bits like "0x1f", not "0x10000000000000000"\n');
  });

  it('mmio-replay says when --size leaves written bytes out', async () => {
    const r = await run('mmio-replay', ['-o', join(dir, 's.bin'), '--size', '2'], '{"type":"write","offset":"0x0","width":4,"value":"0x44332211"}\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`mmio-replay: ${join(dir, 's.bin')}: 2 written bytes lie past --size 2 and are not in the image\n`);
    expect([...readFileSync(join(dir, 's.bin'))]).toEqual([0x11, 0x22]);
  });
});

describe('liberal in what they read: events edited with jq', () => {
  const edited = [
    '{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x0010","width":4,"value":"0xDEADBEEF"}',
    '{"type":"write","dev":"0000:03:00.0","region":2,"offset":20,"width":2,"value":255}',
    '',
  ].join('\n');

  it('mmio-filter reads them and writes the canonical form', async () => {
    const r = await run('mmio-filter', ['--offset', '0x10-0x20'], edited);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x10","width":4,"value":"0xdeadbeef"}\n' +
        '{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x14","width":2,"value":"0xff"}\n',
    );
  });

  it('mmio-replay replays them exactly', async () => {
    const img = join(dir, 'lib.bin');
    const r = await run('mmio-replay', ['-o', img], edited);
    expect(r.code).toBe(0);
    expect([...readFileSync(img)].slice(0x10)).toEqual([0xef, 0xbe, 0xad, 0xde, 0xff, 0x00]);
  });

  it('a fraction, a negative number or one past 2^53 is an error with file:line', async () => {
    for (const v of ['1.5', '-1', '9007199254740992']) {
      const r = await run('mmio-filter', [], `{"type":"write","offset":"0x0","width":4,"value":${v}}\n`);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`mmio-filter: <stdin>:1: "value" must be a hex string of at most 64 bits like "0x1f", not ${v}\n`);
    }
  });
});

describe('memory regions QEMU prints without a name are told apart by mr', () => {
  const trace = [
    'memory_region_ops_write cpu 0 mr 0x5600000a0000 addr 0x10 value 0x1111 size 2',
    'memory_region_ops_write cpu 0 mr 0x5600000b0000 addr 0x10 value 0x22222222 size 4',
    '',
  ].join('\n');

  it('mmio-filter --mr selects one; mmio-replay keys images by mr', async () => {
    const f = put('dp8393x.log', trace);
    const r = await sh(`mmio-parse ${f} | mmio-filter --mr 0x5600000B0000 | jq -r .value`);
    expect(r.stdout).toBe('0x22222222\n');
    const s = await sh(`mmio-parse ${f} | mmio-replay -o ${join(dir, 'both.bin')}`);
    expect(s.code).toBe(1);
    expect(s.stderr).toBe("mmio-replay: the writes are for 2 regions (mr 0x5600000a0000; mr 0x5600000b0000): select one with mmio-filter, or use --split 'img-{dev}-{region}.bin'\n");
    const t = await sh(`mmio-parse ${f} | mmio-replay --split '${dir}/mr-{mr}.bin' | jq -r .path`);
    expect(t.stdout).toBe(`${dir}/mr-0x5600000a0000.bin\n${dir}/mr-0x5600000b0000.bin\n`);
  });
});

describe('mmio-extract', () => {
  it('- is standard input', async () => {
    const tcm = join(dir, 'tcm.bin');
    const r = await sh(`mmio-parse examples/bcm43602/trace.log | mmio-filter --dev 03:00.0 --region 2 | mmio-replay -o ${tcm} >/dev/null && mmio-extract nvram - < ${tcm} | head -1`);
    expect(r.stdout).toBe('sromrev=11\n');
    const e = await run('mmio-extract', ['nvram', '-'], Buffer.alloc(64));
    expect(e.code).toBe(1);
    expect(e.stderr).toBe('mmio-extract: <stdin>: no NVRAM found (no run of 3 or more NUL-separated key=value entries)\n');
  });
});
