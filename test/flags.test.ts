/** The README's table of every flag of every tool, against the tools' own --help (issue 19). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/util.js';
import { TOOLS, flagsFromHelp } from './helpers/flags.js';

describe('the flag table', () => {
  it('lists every option of every tool, with its short flag and its tools, and nothing else', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Every flag of every tool'), readme.indexOf('## Options every event reader shares'));
    const table = new Map<string, { short?: string; tools: string }>();
    for (const m of section.matchAll(/^\| `(--[a-z-]+)` \| (?:`-(\w)`)? \| ([^|]+) \| [^|]+ \|$/gm)) table.set(m[1]!, { short: m[2], tools: m[3]!.trim() });
    const help = flagsFromHelp();
    expect([...table.keys()].sort()).toEqual([...help.keys()].sort());
    for (const [long, f] of help) {
      const row = table.get(long)!;
      expect(row.short, long).toBe(f.short);
      expect(row.tools, long).toBe(f.tools.length === TOOLS.length ? 'all' : f.tools.map((t) => t.replace('mmio-', '')).join(', '));
    }
  });

  it('gives every short flag one meaning across the family', () => {
    const byShort = new Map<string, string>();
    for (const f of flagsFromHelp().values()) {
      if (f.short === undefined) continue;
      expect(byShort.get(f.short) ?? f.long, `-${f.short}`).toBe(f.long);
      byShort.set(f.short, f.long);
    }
    expect(byShort.get('o')).toBe('--output');
    expect(byShort.get('c')).toBe('--count');
    expect(byShort.get('v')).toBe('--invert');
    expect(byShort.get('q')).toBe('--quiet');
  });
});
