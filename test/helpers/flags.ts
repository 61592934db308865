/** Every option of every tool, read from its --help: the long name, the short one and the tools that have it. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './util.js';

export const TOOLS: [string, string[]][] = [
  ['mmio-parse', []],
  ['mmio-filter', []],
  ['mmio-replay', []],
  ['mmio-extract', ['nvram']],
  ['mmio-extract', ['firmware']],
  ['mmio-extract', ['strings']],
  ['mmio-format', []],
  ['mmio-annotate', []],
  ['mmio-diff', []],
  ['mmio-regs', []],
  ['mmio-report', []],
  ['mmio-model', ['learn']],
  ['mmio-model', ['check']],
  ['mmio-model', ['qemu']],
];

export interface Flag {
  long: string;
  short?: string;
  tools: string[];
}

export function flagsFromHelp(): Map<string, Flag> {
  const flags = new Map<string, Flag>();
  for (const [tool, sub] of TOOLS) {
    const help = execFileSync(process.execPath, [join(ROOT, 'packages', tool.slice(5), 'bin', `${tool}.js`), ...sub, '--help'], { encoding: 'utf8' });
    for (const line of help.split('\n')) {
      const m = /^\s+(?:-(\w), )?--([a-z][\w-]*)(?:, --[a-z][\w-]*)?\s{2,}/.exec(line);
      if (!m) continue;
      const long = `--${m[2]}`;
      const f = flags.get(long) ?? { long, short: m[1], tools: [] };
      f.tools.push([tool, ...sub].join(' '));
      if (m[1] !== undefined && f.short !== undefined && f.short !== m[1]) throw new Error(`${long}: two short flags, -${f.short} and -${m[1]}`);
      f.short ??= m[1];
      flags.set(long, f);
    }
  }
  return flags;
}
