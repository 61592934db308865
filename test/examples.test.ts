/**
 * The shipped example and the trace generators as a new user runs them (issue 26): the example
 * Makefile's summaries are atomic targets (a failed run leaves no empty .json, a later good run
 * makes every one), and generate.mjs / gen-trace.mjs run through a symlink and under `| head`.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, appendFileSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sh } from './helpers/util.js';

const EXAMPLE = join(ROOT, 'examples', 'bcm43602');
const dir = mkdtempSync(join(tmpdir(), 'mmio-examples-'));

describe('examples/bcm43602/Makefile', () => {
  it('a failed run leaves no summary, empty or not; a good run then makes every one', async () => {
    const out = join(dir, 'out');
    const bad = join(dir, 'bad.log');
    copyFileSync(join(EXAMPLE, 'trace.log'), bad);
    appendFileSync(bad, '493@1581830899.000001:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 3)\n');
    const failed = await sh(`make -s -C ${EXAMPLE} OUT=${out} TRACE=${bad}`);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/width 3 is not 1, 2, 4 or 8/);
    // Nothing of the failed run is left: no image, no summary (before, an empty .json of 0 bytes).
    expect(readdirSync(out)).toEqual([]);

    const good = await sh(`make -s -C ${EXAMPLE} OUT=${out}`);
    expect(good.code, good.stderr).toBe(0);
    const names = readdirSync(out).sort();
    expect(names.filter((n) => n.endsWith('.json'))).toEqual(['dev03.fw.bin.json', 'dev03.tcm.bin.json', 'dev04.fw.bin.json', 'dev04.tcm.bin.json']);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const n of names.filter((n) => n.endsWith('.json'))) {
      const ev = JSON.parse(readFileSync(join(out, n), 'utf8')) as { type: string };
      expect(ev.type).toBe(n.includes('.fw.') ? 'firmware' : 'image');
    }

    // A summary is a target: one that is missing is made again, not left missing.
    unlinkSync(join(out, 'dev04.fw.bin.json'));
    expect((await sh(`make -s -C ${EXAMPLE} OUT=${out}`)).code).toBe(0);
    expect(statSync(join(out, 'dev04.fw.bin.json')).size).toBeGreaterThan(0);
  }, 120_000);
});

describe('generate.mjs and gen-trace.mjs', () => {
  const direct = readFileSync(join(EXAMPLE, 'trace.log'), 'utf8');
  const gen = join(dir, 'generate.mjs');
  const bench = join(dir, 'gen-trace.mjs');
  symlinkSync(join(EXAMPLE, 'generate.mjs'), gen);
  symlinkSync(join(ROOT, 'bench', 'gen-trace.mjs'), bench);

  it('write their trace when run through a symlink (before: nothing, exit 0)', async () => {
    const r = await sh(`node ${gen}`);
    expect(r.code).toBe(0);
    expect(r.stdout === direct).toBe(true);
    const b = await sh(`node ${bench} --lines 5`);
    expect(b.code).toBe(0);
    expect(b.stdout.split('\n').length).toBe(6);
  });

  it('exit 0 without a word when the reader goes away (| head), as the tools do', async () => {
    const r = await sh(`node ${gen} | head -1; echo "status \${PIPESTATUS[0]}"`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(direct.split('\n')[0] + '\nstatus 0\n');
    const b = await sh(`node ${join(ROOT, 'bench', 'gen-trace.mjs')} --lines 2000000 | head -1 > /dev/null; echo "status \${PIPESTATUS[0]}"`);
    expect(b.stderr).toBe('');
    expect(b.stdout).toBe('status 0\n');
  });
});
