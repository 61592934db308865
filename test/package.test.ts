/**
 * Install as a user does (issue 19): pack every package, install the umbrella package mmio-tools
 * alone into an empty prefix (nothing of ours comes from a registry: it depends on nothing), and one
 * tool's tarball alone (its third-party dependencies may come from the registry); run every bin's
 * --version, a small pipeline and the library from outside the repo, and type-check a program that
 * uses the library.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sh } from './helpers/util.js';

const TOOLS = ['parse', 'filter', 'replay', 'extract', 'format', 'annotate', 'diff', 'regs', 'report', 'model'];
const work = mkdtempSync(join(tmpdir(), 'mmio-pack-'));
const packs = join(work, 'packs');
const TRACE = join(ROOT, 'examples', 'bcm43602', 'trace.log');

beforeAll(() => {
  mkdirSync(packs, { recursive: true });
  execFileSync('npm', ['pack', '--workspaces', '--pack-destination', packs], { cwd: ROOT, stdio: 'ignore', env: { ...process.env } });
}, 120_000);

describe('installed from the packed tarballs', { timeout: 180_000 }, () => {
  it('packs one tarball per package, each with its README and LICENSE', () => {
    const tgz = readdirSync(packs).sort();
    expect(tgz).toEqual(['mmio-tools-0.1.0.tgz', ...['annotate', 'core', 'diff', 'extract', 'filter', 'format', 'model', 'parse', 'regs', 'replay', 'report'].map((p) => `mmio-tools-${p}-0.1.0.tgz`)]);
    for (const t of tgz) {
      const files = execFileSync('tar', ['tzf', join(packs, t)], { encoding: 'utf8' }).split('\n');
      expect(files, t).toContain('package/README.md');
      expect(files, t).toContain('package/LICENSE');
    }
  });

  it('mmio-tools alone gives every tool, its man pages, the jq module and the library', async () => {
    const prefix = join(work, 'umbrella');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(packs, 'mmio-tools-0.1.0.tgz')], { stdio: 'ignore' });
    const bin = join(prefix, 'bin');
    for (const t of TOOLS) expect(execFileSync(join(bin, `mmio-${t}`), ['--version'], { cwd: work, encoding: 'utf8' })).toBe('0.1.0\n');
    const r = await sh(`cd ${work} && ${bin}/mmio-parse ${TRACE} | ${bin}/mmio-filter --dev 03:00.0 --region 2 | ${bin}/mmio-replay -o tcm.bin > /dev/null && ${bin}/mmio-extract nvram tcm.bin | head -1 && ${bin}/mmio-replay -j 2 --dev 03:00.0 --region 2 -o one.bin ${TRACE} > /dev/null && cmp tcm.bin one.bin && echo same`);
    expect(r.stdout).toBe('sromrev=11\nsame\n');
    expect(readdirSync(join(prefix, 'share', 'man', 'man1'))).toContain('mmio-replay.1');
    const jq = await sh(`printf '"0x20"\\n"0x100"\\n' | jq -s -c -L "$(${bin}/mmio-parse --jq-path)" 'include "mmio"; sort_by(hexkey)'`);
    expect(jq.stdout).toBe('["0x20","0x100"]\n');
    // The library, from TypeScript: a program that parses, selects and replays, type-checked and run.
    const lib = join(work, 'lib');
    execFileSync('mkdir', ['-p', join(lib, 'node_modules')]);
    execFileSync('ln', ['-s', join(prefix, 'lib', 'node_modules', 'mmio-tools'), join(lib, 'node_modules', 'mmio-tools')]);
    // What a TypeScript program for node has anyway: @types/node. Not yargs' types (issue 26).
    execFileSync('mkdir', ['-p', join(lib, 'node_modules', '@types')]);
    execFileSync('ln', ['-s', join(ROOT, 'node_modules', '@types', 'node'), join(lib, 'node_modules', '@types', 'node')]);
    writeFileSync(join(lib, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(lib, 'main.ts'),
      `import { readInputs, Replayer, Selection, parseSelectOptions } from 'mmio-tools';
const sel = new Selection(parseSelectOptions({ dev: '03:00.0', region: '2', type: 'write' }));
const replay = new Replayer({ origin: 0n, fill: 0, bigEndian: false, verifyReads: false }, () => undefined);
await readInputs([${JSON.stringify(TRACE)}], (ev, _raw, line, file) => { if (sel.pass(ev) === 'select') replay.feed(ev, file, line); }, { format: 'auto', strict: false, skipInvalid: false, all: false, jobs: 1, tool: 'main' });
const writes: number = [...replay.slots.values()][0]!.image.writes;
console.log(writes);
`,
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    // Without --skipLibCheck: the package's own types check too (they needed yargs', which it does not ship).
    execFileSync(tsc, ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--outDir', lib, join(lib, 'main.ts')], { cwd: lib, stdio: 'pipe' });
    expect(execFileSync(process.execPath, [join(lib, 'main.js')], { encoding: 'utf8' })).toBe('6493\n');
  });

  it('one tool alone installs and runs (its third-party dependencies from the registry)', async () => {
    const prefix = join(work, 'replay');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(packs, 'mmio-tools-replay-0.1.0.tgz')], { stdio: 'ignore' });
    expect(readdirSync(join(prefix, 'bin'))).toEqual(['mmio-replay']);
    expect(execFileSync(join(prefix, 'bin', 'mmio-replay'), ['--version'], { cwd: work, encoding: 'utf8' })).toBe('0.1.0\n');
    const r = await sh(`cd ${work} && ${prefix}/bin/mmio-replay --dev 03:00.0 --region 2 -o alone.bin ${TRACE} | head -c 14`);
    expect(r.stdout).toBe('{"type":"image');
  });
});
