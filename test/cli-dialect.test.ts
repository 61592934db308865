/**
 * One dialect of flags for the family (issue 19, the parts done so far): -q quiet, -c count,
 * --offset ADDR alone, a word when a selector matched nothing, make-safe --split names, an
 * origin a user expects for absolute addresses, shell completion and the jq module.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT, jsonLines, run, sh } from './helpers/util.js';

const VFIO = join(FIXTURES, 'qemu-vfio.log');
const dir = mkdtempSync(join(tmpdir(), 'mmio-dialect-'));

describe('one dialect of flags', () => {
  it('an option without its value is a usage error (exit 2), in one line, for every tool', async () => {
    for (const [tool, args, opt] of [
      ['mmio-filter', ['--dev'], 'dev'],
      ['mmio-replay', ['-o'], 'o'],
      ['mmio-format', ['--to', 'text', '--base'], 'base'],
      ['mmio-annotate', ['--regs'], 'regs'],
      ['mmio-diff', ['a', 'b', '--map-dev'], 'map-dev'],
      ['mmio-regs', ['--sort'], 'sort'],
      ['mmio-report', ['-o'], 'o'],
    ] as const) {
      const r = await run(tool, [...args], '');
      expect([r.code, r.stderr], tool).toEqual([2, `${tool}: ${opt.length === 1 ? '-' : '--'}${opt} needs a value (see ${tool} --help)\n`]);
    }
  });

  it('-c counts (as grep -c); -q keeps notes off stderr, errors still print', async () => {
    const r = await run('mmio-filter', ['-c', '--region', '1', VFIO]);
    expect(r.stdout).toBe('4\n');
    const noisy = await run('mmio-filter', ['--dev', '0:4.0', VFIO]);
    expect(noisy.stderr).not.toBe('');
    const q = await run('mmio-filter', ['-q', '--dev', '0:4.0', VFIO]);
    expect(q.stderr).toBe('');
    const e = await run('mmio-filter', ['-q', '/nonexistent.nd']);
    expect(e.stderr).toBe('mmio-filter: /nonexistent.nd: no such file or directory\n');
  });

  it('--offset ADDR alone selects the accesses that touch that byte', async () => {
    const r = await run('mmio-filter', ['--region', '1', '--offset', '0x6', VFIO]);
    expect(jsonLines(r.stdout).filter((e) => e.type === 'write').map((e) => e.offset)).toEqual(['0x4', '0x4']);
  });

  it('a selector that matched nothing says so on stderr, naming what the input has (exit 0)', async () => {
    const r = await run('mmio-filter', ['--dev', '0:4.0', VFIO]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('mmio-filter: --dev 0:4.0 matched no event (devices in the input: 0000:00:03.0)\n');
    const m = await run('mmio-filter', ['--from-mark', 'probe', VFIO]);
    expect(m.stderr).toBe('mmio-filter: --from-mark "probe" matched no mark (0 marks in the input)\n');
    const o = await sh(`mmio-parse ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | head -1000 | mmio-filter --offset 0x0-0x100`);
    expect(o.stderr).toBe('mmio-filter: --offset matched no event: the accesses in the input have no region offset, only an absolute address (try --addr)\n');
    const rp = await run('mmio-replay', ['--region', '5', '-o', join(dir, 'none.bin'), VFIO]);
    expect(rp.stderr.split('\n')[0]).toBe('mmio-replay: --region 5 matched no event (regions in the input: 7, 0, 1)');
  });

  it('mmio-annotate says when it named nothing, and why when it can tell (memory-region events)', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | head -100 | mmio-annotate --regs examples/bcm43602/regs.json > /dev/null`);
    expect(r.stderr).toBe('mmio-annotate: no access was named: the 100 accesses have an absolute address and no region offset (memory-region events), and a register database names offsets in a region\n');
  });

  it('--split names are make-safe: no colon from a PCI address', async () => {
    const r = await run('mmio-replay', ['--type', 'write', '--split', join(dir, 'img-{dev}-{region}.bin'), VFIO]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('img-')).sort()).toEqual(['img-0000-00-03.0-0.bin', 'img-0000-00-03.0-1.bin', 'img-0000-00-03.0-7.bin']);
  });

  it('absolute addresses (memory-region events) start the image at the page of the lowest write, not at 0', async () => {
    const r = await sh(`mmio-replay --name e1000-mmio -o ${join(dir, 'e1000.bin')} ${join(FIXTURES, 'qemu-memory-ops.log.gz')}`);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ origin: '0xfebc0000', size: '0x5824' });
  });

  it('mmio-diff: one device at two PCI addresses (--map-dev), and --mode state honours --key', async () => {
    const MMIO = join(FIXTURES, 'mmiotrace.log');
    const plain = await run('mmio-diff', ['--mode', 'state', '--region', '0', VFIO, MMIO]);
    expect(jsonLines(plain.stdout).every((e) => e.diff !== 'changed')).toBe(true);
    const mapped = await run('mmio-diff', ['--mode', 'state', '--region', '0', '--map-dev', '00:03.0=00:02.0', VFIO, MMIO]);
    const changed = jsonLines(mapped.stdout).filter((e) => e.diff === 'changed');
    expect(changed[0]).toMatchObject({ dev: '0000:00:02.0', offset: '0x0', a: '0x40340240', b: '0x40140240' });
    const keyed = await run('mmio-diff', ['--mode', 'state', '--region', '0', '--key', 'offset', VFIO, MMIO]);
    expect(jsonLines(keyed.stdout).filter((e) => e.diff === 'changed').map((e) => [e.offset, e.a, e.b])).toEqual(changed.map((e) => [e.offset, e.a, e.b]));
    const seq = await run('mmio-diff', ['--region', '0', '--map-dev', '00:03.0=00:02.0', VFIO, MMIO]);
    expect(jsonLines(seq.stdout)[0]).toMatchObject({ type: 'hunk', a_start: 11947 });
  });

  it('shell completion from yargs', async () => {
    const r = await run('mmio-filter', ['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--get-yargs-completions');
    expect(r.stdout).toContain('-F _mmio_tools_complete mmio-parse mmio-filter mmio-replay mmio-extract mmio-format mmio-annotate mmio-diff mmio-regs mmio-report\n');
    const c = await sh('COMP_CWORD=1 mmio-filter --get-yargs-completions mmio-filter --re');
    expect(c.stdout.split('\n')).toContain('--region');
  });
});

describe('the jq module', () => {
  const jq = (filter: string, input: string) => sh(`printf '%s\\n' '${input}' | jq -c -L "$(mmio-parse --jq-path)" '${filter}'`);

  it('is found with --jq-path', async () => {
    const r = await run('mmio-parse', ['--jq-path']);
    expect(readdirSync(r.stdout.trim())).toContain('mmio.jq');
  });

  it('compares and sorts 64-bit hex exactly, tests and extracts bits', async () => {
    expect((await jq('include "mmio"; sort_by(hexkey)', '["0x100","0x20","0xffffffffffffffff","0x0"]')).stdout).toBe('["0x0","0x20","0x100","0xffffffffffffffff"]\n');
    expect((await jq('include "mmio"; [hexbit(63), hexbit(0)]', '"0x8000000000000000"')).stdout).toBe('[true,false]\n');
    expect((await jq('include "mmio"; [hexbits(4;7), hexhas("0x05"), hexgt("0xa4")]', '"0xa5"')).stdout).toBe('[10,true,true]\n');
    expect((await jq('include "mmio"; [hex2num, (255 | num2hex)]', '"0x1f"')).stdout).toBe('[31,"0xff"]\n');
    const big = await jq('include "mmio"; hex2num', '"0xffffffffffffffff"');
    expect(big.stderr).toContain('past 2^53');
  });

  it('on a real trace: the writes to e1000 ICR-like registers with bit 0 set', async () => {
    const r = await sh(`mmio-filter --region 0 --type write ${VFIO} | jq -c -L "$(mmio-parse --jq-path)" 'include "mmio"; select(.value | hexbit(31)) | .offset' | sort | uniq -c | sort -rn | head -1`);
    expect(r.stdout).toMatch(/^\s+\d+ "0x[0-9a-f]+"\n$/);
  });
});

describe('man pages', () => {
  it('one per tool, made from its help at build time, with every option', async () => {
    for (const tool of ['parse', 'filter', 'replay', 'extract', 'format', 'annotate', 'diff']) {
      // Hyphens are troff's \- in the page (an ASCII '-' where a line never breaks).
      const page = readFileSync(join(ROOT, 'packages', tool, 'man', `mmio-${tool}.1`), 'utf8').replace(/\\-/g, '-');
      expect(page.startsWith(`.TH MMIO-${tool.toUpperCase()} 1`)).toBe(true);
      const help = (await run(`mmio-${tool}`, ['--help'])).stdout;
      for (const opt of help.match(/--[a-z][a-z-]+/g) ?? []) expect(page, `mmio-${tool} ${opt}`).toContain(opt.replace(/-/g, '-'));
    }
  });
});
