/**
 * The contract of every tool under random and mutated input (issue 16's
 * harness): exit 0, 1 or 2 and nothing else; stderr is our own one-line
 * messages (the last one names the tool, and an input error its file), never
 * an `internal error` or a stack trace; no temporary file left behind; peak
 * memory bounded; and on a bad line, the output is exactly the output of the
 * lines before it. Short in `npm test`; MMIO_FUZZ_RUNS=200 npm test -- fuzz for
 * a long run.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/util.js';
import { SimpleTraceWriter } from './helpers/simpletrace.js';

const RUNS = Number(process.env.MMIO_FUZZ_RUNS ?? 5);
/** Each run spawns a dozen tools: time enough for a long run. */
const TIMEOUT = { timeout: 60_000 + RUNS * 10_000 };
/** Peak RSS any tool may reach on these small inputs. */
const MAX_RSS_KB = 400 * 1024;

const work = mkdtempSync(join(tmpdir(), 'mmio-fuzz-'));
const tmp = mkdtempSync(join(tmpdir(), 'mmio-fuzz-tmp-'));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  rssKb: number;
}

/** Run a tool with TMPDIR set to a private folder, watching its peak RSS (VmHWM, which only grows). */
function runTool(tool: string, args: string[], input: string | Buffer): Promise<Result> {
  const bin = join(ROOT, 'packages', tool.replace(/^mmio-/, ''), 'bin', `${tool}.js`);
  const child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'pipe'] });
  let rssKb = 0;
  const watch = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) rssKb = Math.max(rssKb, +m[1]!);
    } catch {
      // gone already
    }
  }, 5);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(watch);
      clearTimeout(killer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), rssKb });
    });
  });
}

/** The contract every run must keep, whatever its input. */
function contract(tool: string, r: Result, codes = [0, 1, 2]): void {
  const what = `${tool}: ${r.stderr}`;
  expect(codes, what).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/internal error|^\s+at |Error: /m);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  for (const l of lines) expect(l.startsWith(`${tool}: `), what).toBe(true);
  if (r.code !== 0 && !(tool === 'mmio-diff' && r.code === 1)) expect(lines.length, what).toBeGreaterThan(0);
  if (r.code === 1 && tool !== 'mmio-diff') expect(lines.at(-1), what).toMatch(new RegExp(`^${tool}: (<stdin>|/|[\\w.-]+)`));
  expect(readdirSync(work).filter((f) => f.includes('.tmp-')), 'temporary files left').toEqual([]);
  expect(readdirSync(tmp), 'spools left').toEqual([]);
  expect(r.rssKb, 'peak RSS').toBeLessThan(MAX_RSS_KB);
}

const hex = (max: bigint) => fc.bigInt({ min: 0n, max }).map((n) => '0x' + n.toString(16));
const width = fc.constantFrom(1, 2, 4, 8);
const dev = fc.constantFrom('0000:03:00.0', '0000:04:00.0', '03:00.0');

/** A valid QEMU access line (one event each). */
const accessLine = fc.oneof(
  fc.tuple(dev, fc.nat(8), hex(0xffffffn), width, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(
    ([d, r, o, w, v]) => `493@1581830830.000043:vfio_region_write  (${d}:region${r}+${o}, 0x${(v & ((1n << BigInt(8 * w)) - 1n)).toString(16)}, ${w})`,
  ),
  fc.tuple(dev, fc.nat(8), hex(0xffffffn), width, fc.bigInt({ min: 0n, max: 0xffn })).map(([d, r, o, w, v]) => `vfio_region_read  (${d}:region${r}+${o}, ${w}) = 0x${v.toString(16)}`),
  fc.tuple(hex(0xffffffffn), width, fc.constantFrom("'e1000-mmio'", "'rtc'", '')).map(
    ([a, w, n]) => `memory_region_ops_write cpu 0 mr 0x55bba9fce650 addr ${a} value 0x1 size ${w}${n ? ' name ' + n : ''}`,
  ),
);

/** A line that mmio-parse must reject (a known event, broken). */
const badLine = fc.oneof(
  fc.constantFrom(
    '1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x100, 1)',
    '1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 3)',
    '1@1.1:vfio_region_read  (0000:03:00.0:region2+0xZZ, 4) = 0x1',
    'W 4 1.5 1 0xfebc00d8 0xq 0x0 0',
    '2025-13-45T99:99:99Z vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)',
  ),
  // Cut after the event name and broken: a known event that cannot be read.
  fc.tuple(fc.nat(60), fc.string({ unit: 'binary', maxLength: 8 })).map(([k, junk]) => '1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)'.slice(0, 26 + (k % 30)) + '(' + junk.replace(/[\n\r]/g, '')),
);

/** Anything at all: random bytes, other programs' lines, lines of other formats, mutated trace lines. */
const noise = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('# tracer: nop', '# entries-in-buffer/entries-written: 5/9   #P:2', 'VERSION 20070824', 'PCIDEV 0010 8086100e b febc0000 c001 0 0 0 0 feb80000 20000 40 0 0 0 0 40000 e1000', 'MARK 0.000000 Lost 3 events.', '  indented', '\ufeff', ''),
  accessLine.map((l) => l.replace(/0x[0-9a-f]+/, (m) => m + 'ffffffffffffffffff')),
);

describe('fuzz: every tool keeps its contract on hostile input', TIMEOUT, () => {
  it('mmio-parse on random and mutated text traces; a bad line gives exactly the output of the lines before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(accessLine, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        badLine,
        fc.array(noise, { maxLength: 10 }),
        fc.constantFrom([], ['--strict'], ['--lenient'], ['--all'], ['-j', '2']),
        async (clean, k, bad, extra, opts) => {
          const at = k % (clean.length + 1);
          const cleanRun = await runTool('mmio-parse', opts.filter((o) => o !== '--strict'), clean.join('\n') + '\n');
          contract('mmio-parse', cleanRun);
          expect(cleanRun.code).toBe(0);
          const cleanOut = cleanRun.stdout.split('\n').filter(Boolean);
          expect(cleanOut).toHaveLength(clean.length);
          const lines = [...clean.slice(0, at), bad, ...clean.slice(at)];
          const r = await runTool('mmio-parse', opts.filter((o) => o !== '--strict'), lines.join('\n') + '\n');
          contract('mmio-parse', r);
          if (opts.includes('--lenient')) expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(clean.length);
          else {
            expect(r.code).toBe(1);
            expect(r.stdout).toBe(cleanOut.slice(0, at).map((l) => l + '\n').join(''));
            expect(r.stderr).toMatch(new RegExp(`^mmio-parse: <stdin>:${at + 1}: `, 'm'));
          }
          const noisy = await runTool('mmio-parse', opts, [...clean, ...extra].join('\n'));
          contract('mmio-parse', noisy);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('mmio-parse on random and damaged simpletrace files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('vfio_region_write', 'vfio_region_read', 'memory_region_ops_read', 'constructor', '__proto__', 'x'), fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.string({ maxLength: 12 })), { maxLength: 7 })), { maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
        fc.option(fc.nat()),
        async (events, flips, cut) => {
          const w = new SimpleTraceWriter();
          events.forEach(([name, args], i) => w.event(name, BigInt(i * 1000), args));
          const buf = Buffer.from(w.toBuffer());
          for (const [at, v] of flips) if (buf.length > 24) buf[24 + (at % (buf.length - 24))] = v;
          const input = cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
          for (const opts of [[], ['--lenient'], ['--all']]) contract('mmio-parse', await runTool('mmio-parse', opts, input));
        },
      ),
      { numRuns: RUNS },
    );
  });

  const event = fc.oneof(
    fc.tuple(fc.constantFrom('read', 'write'), dev, fc.nat(8), hex(0xffffn), width).map(([type, d, region, offset, w]) => ({ type, dev: d.length === 7 ? '0000:' + d : d, region, offset, width: w, value: '0x1', t: 1.5 })),
    fc.constantFrom<Record<string, unknown>>(
      { type: 'mark', text: 'probe' },
      { type: 'lost', count: 3 },
      { type: 'device', dev: '0000:03:00.0', vendor: '0x14e4', device: '0x43ba', irq: 1, bars: [{ index: 2, addr: '0xf0000000', size: '0x400000' }] },
      { type: 'irq', dev: '0000:03:00.0', mode: 'msi', action: 'interrupt', vector: 0 },
      { type: 'write', name: 'e1000-mmio', addr: '0xfebc0000', width: 4, value: '0xffffffff', cpu: 0, mr: '0x55' },
    ),
  );
  /** A mutation of an event line: a field of another type, sizes past their bounds, nesting, control characters, broken JSON. */
  const mutate = fc.tuple(fc.constantFrom('value', 'offset', 'width', 'region', 'dev', 't', 'type', 'bars', 'fields', 'line', 'extra'), fc.oneof(
    fc.constantFrom<unknown>(null, -1, 1.5, 2 ** 60, 1e300, '0xZZ', '0x10000000000000000', 'a\nb', '\u0000', [], {}, [[[[]]]], 'constructor', '__proto__', true),
    fc.jsonValue({ maxDepth: 3 }),
  ));

  it('the event readers on random and mutated NDJSON; a bad line gives exactly the output of the lines before it', async () => {
    const regs = join(ROOT, 'examples/bcm43602/regs.json');
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 30 }), fc.nat(), mutate, fc.boolean(), async (evs, k, [field, v], raw) => {
        const lines = evs.map((e) => JSON.stringify(e));
        const at = k % lines.length;
        const bad = raw ? lines[at]!.slice(0, lines[at]!.length - 1 - (k % 5)) : JSON.stringify({ ...evs[at], [field]: v });
        const mutated = [...lines.slice(0, at), bad, ...lines.slice(at + 1)].join('\n') + '\n';
        const clean = await runTool('mmio-filter', [], lines.slice(0, at).join('\n') + (at ? '\n' : ''));
        const f = await runTool('mmio-filter', [], mutated);
        contract('mmio-filter', f);
        if (f.code === 1) expect(f.stdout).toBe(clean.stdout);
        for (const [tool, args] of [
          ['mmio-filter', ['--dev', '03:00.0', '--collapse-polls', '--offset', '0x0-0x100']],
          ['mmio-replay', ['--split', join(work, 'img-{dev}-{region}-{name}-{mr}.bin')]],
          ['mmio-replay', ['-o', join(work, 'one.bin'), '--verify-reads', '--origin', 'min']],
          ['mmio-format', ['--to', 'mmiotrace']],
          ['mmio-format', ['--to', 'qemu']],
          ['mmio-format', ['--to', 'text']],
          ['mmio-format', ['--to', 'csv']],
          ['mmio-format', ['--to', 'perfetto']],
          ['mmio-regs', []],
          ['mmio-regs', ['--text', '--sort', 'offset']],
          ['mmio-report', ['-o', join(work, 'report.html')]],
          ['mmio-annotate', ['--regs', regs]],
          ['mmio-diff', ['-', join(work, 'clean.nd')]],
        ] as const) {
          writeFileSync(join(work, 'clean.nd'), lines.join('\n') + '\n');
          contract(tool, await runTool(tool, [...args], mutated));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('issue 27: deep and fanned-out rnndb, huge register counts, long strings in every field', { timeout: 60_000 + RUNS * 40_000 }, async () => {
    const field = fc.constantFrom('dev', 'name', 'mr', 'reg', 'decoded', 'text', 'offset', 'value');
    await fc.assert(
      fc.asyncProperty(fc.nat(6000), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.nat(100_000), field, fc.nat(900_000), async (depth, groups, uses, count, which, length) => {
        // rnndb nested `depth` deep, and `groups` groups each using the one before `uses` times.
        const deep = join(work, 'deep.xml');
        writeFileSync(deep, `<database><domain name="D">${'<stripe offset="0">'.repeat(depth)}<reg32 offset="0" name="R"/>${'</stripe>'.repeat(depth)}</domain></database>\n`);
        const fan = join(work, 'fan.xml');
        let g = '<database>\n<group name="G0"><reg32 offset="0" name="R"/></group>\n';
        for (let k = 1; k < groups; k++) g += `<group name="G${k}">${`<use-group name="G${k - 1}"/>`.repeat(uses)}</group>\n`;
        writeFileSync(fan, g + `<domain name="D"><use-group name="G${groups - 1}"/></domain>\n</database>\n`);
        const one = '{"type":"read","region":0,"offset":"0x0","width":4,"value":"0x1"}\n';
        for (const db of [deep, fan]) contract('mmio-annotate', await runTool('mmio-annotate', ['--regs', db], one));
        // `count` registers, and one event with a long string in one field.
        let input = '';
        for (let i = 0; i < count; i++) input += `{"type":"write","dev":"0000:03:00.0","region":2,"offset":"0x${(i * 4).toString(16)}","width":4,"value":"0x1"}\n`;
        const long = 'x'.repeat(length);
        input += JSON.stringify({ type: which === 'text' ? 'mark' : 'read', dev: '0000:03:00.0', region: 0, offset: '0x0', width: 4, value: '0x1', [which]: which === 'value' || which === 'offset' ? '0x' + '1'.repeat(length) : long }) + '\n';
        for (const [tool, args] of [
          ['mmio-regs', ['--text']],
          ['mmio-regs', []],
          ['mmio-report', ['-o', join(work, 'big.html')]],
          ['mmio-annotate', ['--regs', join(ROOT, 'examples/bcm43602/regs.json')]],
        ] as const) {
          contract(tool, await runTool(tool, [...args], input));
        }
      }),
      { numRuns: RUNS },
    );
  });

  // Issue 27 (4, 5): options given again and again, file names that look like numbers or commands.
  it('the command line: repeated options (one rule), numeric-looking and command-looking file names opened as named', async () => {
    const numeric = fc.oneof(
      fc.constantFrom('0xa', '1e3', '0', '00', '1.5', 'NaN', 'Infinity', '0b1', '0o7', '1_000', '.5', '5.', '0x', '1e+21'),
      fc.nat().map(String),
      fc.double({ noNaN: true, min: 0 }).map(String),
      fc.nat().map((n) => '0x' + n.toString(16)),
    );
    const command = fc.constantFrom('completion', 'help', 'version', 'nvram', 'firmware', 'strings', 'true', 'false', 'null', 'undefined', '__proto__', 'constructor');
    const names = fc.uniqueArray(fc.oneof(numeric, command), { minLength: 1, maxLength: 3 });
    /** Single-value options, as [canonical name, words]. */
    const single = fc.constantFrom<[string, string[]]>(['format', ['--format', 'ndjson']], ['format', ['-f', 'auto']], ['jobs', ['--jobs', '1']], ['jobs', ['-j', '2']]);
    const list = fc.constantFrom(['--type', 'write'], ['-t', 'read,write'], ['--region', '0'], ['-r', '0'], ['--dev', '03:00.0'], ['--dev', '3:0.0'], ['--width', '4']);
    const flag = fc.constantFrom(['--strict'], ['--no-strict'], ['-q'], ['--invert', '--no-invert'], ['--collapse-polls']);
    const W = '{"type":"write","dev":"0000:03:00.0","region":0,"offset":"0x0","width":4,"value":"0x1"}\n';
    await fc.assert(
      fc.asyncProperty(names, fc.array(single, { maxLength: 3 }), fc.array(list, { maxLength: 3 }), fc.array(flag, { maxLength: 3 }), async (files, singles, lists, flags) => {
        for (const f of files) writeFileSync(join(work, f), W);
        const args = [...singles.flatMap(([, w]) => w), ...lists.flat(), ...flags.flat(), '-c', ...files];
        const r = await runTool('mmio-filter', args, '');
        contract('mmio-filter', r);
        const counts = new Map<string, number>();
        for (const [k] of singles) counts.set(k, (counts.get(k) ?? 0) + 1);
        if ([...counts.values()].some((n) => n > 1)) {
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(/^mmio-filter: --(format|jobs) given \d times \(.*\): give it once \(see mmio-filter --help\)\n$/);
        } else {
          expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([0, `${files.length}\n`, '']);
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('mmio-annotate on random and mutated rnndb databases', async () => {
    const tags = fc.constantFrom('reg32', 'reg8', 'reg64', 'array', 'stripe', 'bitset', 'bitfield', 'enum', 'value', 'group', 'use-group', 'import', 'constructor', '__proto__', 'domain');
    const attr = fc.tuple(fc.constantFrom('name', 'offset', 'stride', 'length', 'low', 'high', 'pos', 'type', 'file', 'width', 'value', '__proto__'), fc.oneof(fc.constantFrom('0', '0x10', '4', 'A', 'B', 'X', '-1', '99999999999999999999', '/dev/zero', 'constructor', ''), fc.string({ maxLength: 6 })));
    const attrs = fc.array(attr, { maxLength: 4 }).map((l) => l.map(([k, v]) => ` ${k}="${v.replace(/[<&"]/g, '')}"`).join(''));
    const element = fc.letrec<{ el: string }>((tie) => ({
      el: fc.oneof(
        { maxDepth: 3 },
        fc.tuple(tags, attrs).map(([tag, a]) => `<${tag}${a}/>`),
        fc.tuple(tags, attrs, fc.array(tie('el'), { maxLength: 3 })).map(([tag, a, kids]) => `<${tag}${a}>${kids.join('')}</${tag}>`),
      ),
    })).el;
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 6 }), fc.boolean(), async (els, domainWrap) => {
        const body = els.join('\n');
        const xml = `<database>\n${domainWrap ? `<domain name="D" width="32">\n${body}\n</domain>` : body}\n<bitset name="A" type="A"/>\n</database>\n`;
        const f = join(work, 'db.xml');
        writeFileSync(f, xml);
        contract('mmio-annotate', await runTool('mmio-annotate', ['--regs', f], '{"type":"read","region":0,"offset":"0x10","width":4,"value":"0x12345678"}\n'));
      }),
      { numRuns: RUNS },
    );
  });

  it('names of any bytes (issue 27.27, 27.21): parse keeps them byte-exact, --to qemu gives them back or refuses a control character, --to text prints none raw', async () => {
    const nameBytes = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b.filter((x) => x !== 0x0a && x !== 0x0d)));
    await fc.assert(
      fc.asyncProperty(fc.array(nameBytes, { minLength: 1, maxLength: 4 }), async (names) => {
        const trace = Buffer.concat(names.map((n, i) => Buffer.concat([Buffer.from(`1@1.${String(i).padStart(6, '0')}:memory_region_ops_write cpu 0 mr 0x${(i + 1).toString(16)} addr 0x${(i * 4).toString(16)} value 0x1 size 4 name '`), n, Buffer.from("'\n")])));
        const nd = await runTool('mmio-parse', [], trace);
        contract('mmio-parse', nd, [0]);
        expect(nd.stdout.split('\n').filter(Boolean)).toHaveLength(names.length);
        const q = await runTool('mmio-format', ['--to', 'qemu'], nd.stdout);
        contract('mmio-format', q, [0, 1]);
        const control = names.some((n) => /[\u0000-\u001f\u007f-\u009f]/.test(n.toString('utf8')));
        if (q.code === 0) {
          const bytes = await new Promise<Buffer>((resolve) => {
            const child = spawn(process.execPath, [join(ROOT, 'packages', 'format', 'bin', 'mmio-format.js'), '--to', 'qemu'], { stdio: ['pipe', 'pipe', 'ignore'] });
            const out: Buffer[] = [];
            child.stdout.on('data', (b: Buffer) => out.push(b));
            child.on('close', () => resolve(Buffer.concat(out)));
            child.stdin.end(nd.stdout);
          });
          expect(bytes.equals(trace), bytes.toString('hex')).toBe(true);
        } else expect(control, q.stderr).toBe(true);
        const t = await runTool('mmio-format', ['--to', 'text'], nd.stdout);
        contract('mmio-format', t, [0]);
        expect(t.stdout.split('\n').filter(Boolean)).toHaveLength(names.length);
        expect(t.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: RUNS },
    );
  });
});
