#!/usr/bin/env node
// @ts-check
/**
 * A man page per tool, made from its --help at build time (npm run build): packages/<tool>/man/<tool>.1,
 * installed by npm through each package's "man" field (man mmio-replay).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = ['parse', 'filter', 'replay', 'extract', 'format', 'annotate', 'diff', 'regs', 'report'];

/** Text as troff takes it: backslashes doubled, a leading dot or quote escaped. */
const roff = (t) => t.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');

for (const pkg of TOOLS) {
  const tool = `mmio-${pkg}`;
  const dir = join(ROOT, 'packages', pkg);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const help = execFileSync(process.execPath, [join(dir, 'bin', `${tool}.js`), '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
  const [usage, ...rest] = help.split('\n\n');
  const page = [
    `.TH ${tool.toUpperCase()} 1 "" "mmio-tools ${meta.version}" "mmio-tools"`,
    '.SH NAME',
    `${tool} \\- ${roff(meta.description)}`,
    '.SH SYNOPSIS',
    '.nf',
    roff(usage.trim()),
    '.fi',
    '.SH DESCRIPTION',
    '.nf',
    roff(rest.join('\n\n').trim()),
    '.fi',
    '.SH EXIT STATUS',
    pkg === 'diff' ? '0 same, 1 different, 2 trouble.' : '0 success (also when the reader closed early), 1 bad input or failure, 2 usage error.',
    '.SH SEE ALSO',
    TOOLS.filter((t) => t !== pkg).map((t) => `mmio-${t}(1)`).join(', '),
    '',
  ].join('\n');
  // In the tool's package, and in the umbrella package mmio-tools.
  for (const d of [dir, join(ROOT, 'packages', 'mmio-tools')]) {
    mkdirSync(join(d, 'man'), { recursive: true });
    writeFileSync(join(d, 'man', `${tool}.1`), page);
  }
}
