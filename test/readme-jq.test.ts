/**
 * Every jq one-liner of the README runs, on real output (issue 26): the examples are taken from
 * README.md itself (every line of a code block that runs jq), so an example added later is tested
 * too. They run in a folder that holds the files they name, made from the shipped example and the
 * real fixtures: trace.log (the BCM43602 example), events.ndjson (mmio-parse's own output of it),
 * tcm.bin (its replayed TCM), mmiotrace.log and qemu*.log.gz (the real e1000 traces), nv.log (the
 * G80 sweep, with RNN_PATH set to its rnndb), good.nd and bad.nd (two runs of the example generator).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sh } from './helpers/util.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The lines of README.md's code blocks (indented or fenced) that run jq. */
function jqExamples(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  let prevBlank = true;
  let inIndented = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    const blank = line.trim() === '';
    // An indented code block starts after a blank line; a list item's block is indented further.
    if (!fenced) inIndented = blank ? inIndented : (inIndented || prevBlank) && /^ {4,}\S/.test(line);
    prevBlank = blank;
    if (!(fenced || inIndented) || blank) continue;
    const cmd = line.trim().replace(/\s+#\s.*$/, '');
    if (/(^|\|\s*)jq\s/.test(cmd)) out.push(cmd);
  }
  return out;
}

const examples = jqExamples(README);
const sandbox = join(mkdtempSync(join(tmpdir(), 'mmio-readme-jq-')), 'repo');
const F = join(ROOT, '..', 'shared', 'fixtures');

beforeAll(() => {
  mkdirSync(sandbox);
  // ../shared from the sandbox, as from the repository.
  symlinkSync(join(ROOT, '..', 'shared'), join(sandbox, '..', 'shared'));
  symlinkSync(join(ROOT, 'examples'), join(sandbox, 'examples'));
  const link = (to: string, name: string) => symlinkSync(to, join(sandbox, name));
  link(join(ROOT, 'examples', 'bcm43602', 'trace.log'), 'trace.log');
  link(join(ROOT, 'examples', 'bcm43602', 'trace.log'), 'good.log');
  link(join(F, 'real', 'e1000-probe', 'mmiotrace.log'), 'mmiotrace.log');
  link(join(F, 'real', 'e1000-probe', 'qemu-memory-ops.log.gz'), 'qemu-memory-ops.log.gz');
  link(join(F, 'real', 'e1000-probe', 'qemu-memory-ops.log.gz'), 'qemu.log.gz');
  link(join(F, 'envytools-rnndb', 'expected', 'g80-vfio.log.gz'), 'nv.log');
  const bin = join(ROOT, 'node_modules', '.bin');
  execFileSync('bash', ['-o', 'pipefail', '-ec', [
    `node ${ROOT}/examples/bcm43602/generate.mjs --seed 7 > bad.log`,
    `${bin}/mmio-parse trace.log > events.ndjson`,
    `${bin}/mmio-parse good.log > good.nd`,
    `${bin}/mmio-parse bad.log > bad.nd`,
    `${bin}/mmio-replay --dev 03:00.0 --region 2 -o tcm.bin trace.log > /dev/null`,
  ].join('\n')], { cwd: sandbox });
});

describe("the README's jq examples", () => {
  it('are found in README.md (the extraction finds what is there)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
    expect(examples).toContain(`mmio-parse mmiotrace.log | jq -c 'select(.type == "device")'`);
    expect(jqExamples('text\n\n    a | jq .x\n    jq -c . f\n\nprose jq .y\n\n```sh\nb | jq .z # note\n```\n')).toEqual(['a | jq .x', 'jq -c . f', 'b | jq .z']);
  });

  it.each(examples)('%s', async (cmd) => {
    const rnn = `${F}/envytools-rnndb/generated:${F}/envytools-rnndb/rnndb`;
    const r = await sh(`export RNN_PATH=${rnn}; ${cmd}`, { cwd: sandbox });
    expect(r.stderr).not.toMatch(/jq: error|parse error|compile error/);
    // Under pipefail: `| head` may stop jq with SIGPIPE (141); mmio-diff's 1 means "different".
    const allowed = [0, ...(/\|\s*head\b/.test(cmd) ? [141] : []), ...(/^mmio-diff\b/.test(cmd) ? [1] : [])];
    expect(allowed, r.stderr).toContain(r.code);
    expect(r.stdout.trim(), 'the example prints something on real input').not.toBe('');
  }, 120_000);
});

describe('the jq module on an event without the field', () => {
  it('says that it is not a hex string, instead of a message about explode', async () => {
    const r = await sh(`echo '{"type":"device"}' | jq -c -L ${ROOT}/packages/core/jq 'include "mmio"; select(.value | hexbit(31))'`);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('jq: error (at <stdin>:1): mmio.jq: null is not a hex string (select the events that have the field first: accesses | …)\n');
  });
});
