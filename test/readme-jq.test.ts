/**
 * Every jq one-liner of the README runs, on real output (issue 26): the examples are taken from
 * README.md itself (every line of a code block that runs jq), so an example added later is tested
 * too. They run in a folder that holds the files they name (test/helpers/sandbox.ts), made from
 * the shipped example and the real fixtures: events.ndjson is mmio-parse's own output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sh } from './helpers/util.js';
import { RNN, makeSandbox } from './helpers/sandbox.js';

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
let sandbox = '';
beforeAll(() => {
  sandbox = makeSandbox();
});

describe("the README's jq examples", () => {
  it('are found in README.md (the extraction finds what is there)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
    expect(examples).toContain(`mmio-parse mmiotrace.log | jq -c 'select(.type == "device")'`);
    expect(jqExamples('text\n\n    a | jq .x\n    jq -c . f\n\nprose jq .y\n\n```sh\nb | jq .z # note\n```\n')).toEqual(['a | jq .x', 'jq -c . f', 'b | jq .z']);
  });

  it.each(examples)('%s', async (cmd) => {
    const r = await sh(`export RNN_PATH=${RNN}; ${cmd}`, { cwd: sandbox });
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
