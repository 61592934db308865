/**
 * What a new user finds first (issue 26): `mmio-tools --help` and mmio-tools(7), the overview of the
 * family with its main one-liners (which run); the umbrella package's README naming every tool;
 * man pages that carry every option of every tool and subcommand and fit 80 columns. The family is
 * every package with a bin (packages/<pkg>/package.json), so a tool added later is held to it too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sh } from './helpers/util.js';
import { makeSandbox } from './helpers/sandbox.js';

const UMBRELLA = join(ROOT, 'packages', 'mmio-tools');
const TOOLS = readdirSync(join(ROOT, 'packages'))
  .filter((pkg) => pkg !== 'mmio-tools' && existsSync(join(ROOT, 'packages', pkg, 'package.json')))
  .flatMap((pkg) => Object.keys(JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')).bin ?? {}).map((tool) => ({ pkg, tool })))
  // A tool still being written (no bundle yet: scripts/bundle.mjs does not build it) has no page yet.
  .filter(({ pkg }) => existsSync(join(ROOT, 'packages', pkg, 'dist', 'bundle.js')));

const overviewBin = join(UMBRELLA, 'bin', 'mmio-tools.js');
const help = (pkg: string, tool: string, args: string[]) => execFileSync(process.execPath, [join(ROOT, 'packages', pkg, 'bin', `${tool}.js`), ...args, '--help'], { encoding: 'utf8' });
/** A man page as man shows it on an 80-column terminal. */
const render = (page: string) => sh(`MANWIDTH=80 MANPAGER=cat MAN_KEEP_FORMATTING= man -l ${page}`);
const longest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('mmio-tools --help: the overview', () => {
  it('prints overview.txt, names every tool, fits 80 columns; anything else is a usage error', async () => {
    expect(TOOLS.length).toBeGreaterThanOrEqual(9);
    const text = readFileSync(join(UMBRELLA, 'overview.txt'), 'utf8');
    for (const args of [[], ['--help'], ['-h']]) {
      const r = execFileSync(process.execPath, [overviewBin, ...args], { encoding: 'utf8' });
      expect(r).toBe(text);
    }
    for (const { tool } of TOOLS) expect(text, tool).toMatch(new RegExp(`^  ${tool} `, 'm'));
    expect(longest(text)).toBeLessThanOrEqual(80);
    const bad = await sh(`node ${overviewBin} --bogus`);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(bad.stderr).toMatch(/^mmio-tools: unknown argument --bogus: /);
    expect(execFileSync(process.execPath, [overviewBin, '--version'], { encoding: 'utf8' })).toBe('0.1.0\n');
    const pkg = JSON.parse(readFileSync(join(UMBRELLA, 'package.json'), 'utf8'));
    expect(pkg.bin['mmio-tools']).toBe('bin/mmio-tools.js');
    expect(pkg.man).toContain('man/mmio-tools.7');
  });

  it('mmio-tools(7) is the same text, and fits 80 columns', async () => {
    const r = await render(join(UMBRELLA, 'man', 'mmio-tools.7'));
    expect(r.stderr).toBe('');
    expect(longest(r.stdout)).toBeLessThanOrEqual(80);
    for (const { tool } of TOOLS) expect(r.stdout).toContain(`  ${tool} `);
    expect(r.stdout).toContain('mmio-replay --dev 03:00.0 --region 2 -o tcm.bin trace.log');
  });

  describe('its one-liners run', () => {
    let sandbox = '';
    beforeAll(() => {
      sandbox = makeSandbox();
    });
    const text = readFileSync(join(UMBRELLA, 'overview.txt'), 'utf8');
    const oneLiners = text.split('\n\n').find((b) => b.startsWith('The main one-liners'))!.split('\n').slice(1).map((l) => l.trim());
    it('there are some', () => expect(oneLiners.length).toBeGreaterThanOrEqual(6));
    it.each(oneLiners)('%s', async (cmd) => {
      const r = await sh(cmd, { cwd: sandbox });
      // mmio-diff's 1 means "different"; `| head` may stop a writer with SIGPIPE (141).
      const allowed = [0, ...(/^mmio-diff\b/.test(cmd) ? [1] : []), ...(/\|\s*head\b/.test(cmd) ? [141] : [])];
      expect(allowed, r.stderr).toContain(r.code);
      const wrote = /(-o|>)\s+(\S+)/.exec(cmd);
      if (wrote) expect(readFileSync(join(sandbox, wrote[2])).length).toBeGreaterThan(0);
      else expect(r.stdout.trim()).not.toBe('');
    }, 60_000);
  });
});

describe("the umbrella package's README", () => {
  it('names every tool', () => {
    const readme = readFileSync(join(UMBRELLA, 'README.md'), 'utf8');
    for (const { tool } of TOOLS) expect(readme, tool).toContain(`\`${tool}\``);
    expect(readme).toContain('mmio-tools --help');
  });
});

describe('man pages', () => {
  it.each(TOOLS)('$tool(1) carries every option of the tool and of each subcommand, and fits 80 columns', async ({ pkg, tool }) => {
    const page = join(ROOT, 'packages', pkg, 'man', `${tool}.1`);
    expect(readFileSync(join(UMBRELLA, 'man', `${tool}.1`), 'utf8')).toBe(readFileSync(page, 'utf8'));
    const r = await render(page);
    expect(r.stderr).toBe('');
    expect(longest(r.stdout), r.stdout.split('\n').filter((l) => l.length > 80).join('\n')).toBeLessThanOrEqual(80);
    const top = help(pkg, tool, []);
    const subs = [...top.matchAll(new RegExp(`^  ${tool} (\\w+)`, 'gm'))].map((m) => m[1]).filter((s) => s !== 'completion');
    for (const args of [[], ...subs.map((s) => [s])]) {
      const h = help(pkg, tool, args);
      const options = [...h.matchAll(/^\s+(?:(-\w), )?(--[\w-]+)/gm)];
      expect(options.length).toBeGreaterThan(3);
      for (const [, short, long] of options) {
        expect(r.stdout, `${tool} ${args.join(' ')} ${long}`).toContain(long);
        if (short) expect(r.stdout, `${tool} ${args.join(' ')} ${short}`).toContain(`${short}, ${long}`);
      }
    }
  });

  it('mmio-extract(1) has the options of its subcommands (--json, --candidates, --min, -o, --index)', async () => {
    const r = await render(join(ROOT, 'packages', 'extract', 'man', 'mmio-extract.1'));
    for (const o of ['--json', '--candidates', '--min', '-o, --output', '--index']) expect(r.stdout).toContain(o);
    expect(r.stdout).toMatch(/COMMAND FIRMWARE[\s\S]*-o, --output\s+firmware file to write/);
  });
});
