import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { InputError, LineWriter, UsageError, VERSION, cliParser, inputName, readWhole, selectorOptions, warn, writeAtomic } from '@mmio-tools/core';
import { inputOptions, readSelected } from '@mmio-tools/parse';
import { Checker, checkText, pct, type Mismatch } from './check.js';
import { Learner, PLAYBACK_CAP, type GivenBar, type LearnOptions } from './learn.js';
import { modelJson, parseModel } from './load.js';
import type { Model } from './model.js';
import { QemuModelError, generateQemuDevice, mesonWithDevice, qemuFileName, defaultTypeName, validTypeName } from './qemu.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const TOOL = 'mmio-model';
/** The largest model read: 256 MiB. */
const MAX_MODEL = 1 << 28;

type Ev = Record<string, unknown>;

function num(s: string, what: string, max: number): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw new UsageError(`${what} ${JSON.stringify(s)}: expected a number (hex 0x… or decimal)`);
  const n = Number(s);
  if (n > max) throw new UsageError(`${what} ${JSON.stringify(s)}: more than ${'0x' + max.toString(16)}`);
  return n;
}

/** --id VENDOR:DEVICE[:SUBVENDOR:SUBDEVICE] */
export function parseId(s: string): NonNullable<LearnOptions['id']> {
  const parts = s.split(':');
  if (parts.length !== 2 && parts.length !== 4) throw new UsageError(`--id ${JSON.stringify(s)}: expected VENDOR:DEVICE or VENDOR:DEVICE:SUBVENDOR:SUBDEVICE (hex: 8086:100e)`);
  const [v, d, sv, sd] = parts.map((p) => num(p.startsWith('0x') ? p : '0x' + p, '--id', 0xffff));
  return { vendor: v!, device: d!, ...(sv !== undefined ? { subvendor: sv, subdevice: sd! } : {}) };
}

/** --bar N=SIZE[,io|mem64|pref] */
export function parseBar(s: string): [number, GivenBar] {
  const m = /^([0-5])=([^,]+)((?:,[a-z0-9]+)*)$/.exec(s);
  if (!m) throw new UsageError(`--bar ${JSON.stringify(s)}: expected N=SIZE[,io|mem64|pref] (N 0-5: --bar 0=0x20000)`);
  const size = BigInt(num(m[2]!, '--bar', 2 ** 52));
  if (size === 0n || (size & (size - 1n)) !== 0n) throw new UsageError(`--bar ${JSON.stringify(s)}: the size must be a power of two`);
  const flags = m[3]!.split(',').filter(Boolean);
  for (const f of flags) if (!['io', 'mem64', 'pref'].includes(f)) throw new UsageError(`--bar ${JSON.stringify(s)}: ${JSON.stringify(f)} is not io, mem64 or pref`);
  if (flags.includes('io') && flags.length > 1) throw new UsageError(`--bar ${JSON.stringify(s)}: an io BAR is neither mem64 nor prefetchable`);
  return [+m[1]!, { size, kind: flags.includes('io') ? 'io' : flags.includes('mem64') ? 'mem64' : 'mem32', prefetchable: flags.includes('pref') }];
}

function lineRange(s: string): { from: number; to: number } {
  const m = /^(\d*)-(\d*)$/.exec(s.trim()) ?? /^(\d+)()$/.exec(s.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new UsageError(`--score ${JSON.stringify(s)}: expected A-B, A- or -B (line numbers, inclusive)`);
  const from = m[1] === '' ? 1 : +m[1]!;
  const to = m[2] === '' ? (s.includes('-') ? Infinity : from) : +m[2]!;
  if (to < from) throw new UsageError(`--score ${JSON.stringify(s)}: the range is empty`);
  return { from, to };
}

/** Read each input as one run: the handler learns which file its events are from. */
async function readRuns(files: string[], args: Ev, on: { start(file: string): void; selected(ev: Ev): void; leftOut(ev: Ev): void; end(): void }): Promise<void> {
  for (const f of files.length ? files : ['-']) {
    on.start(inputName(f));
    await readSelected([f], args, TOOL, (ev, _raw, line) => {
      if (typeof ev.line !== 'number' && line !== undefined) (ev as Ev).line = line;
      on.selected(ev as Ev);
    }, { leftOut: (ev) => on.leftOut(ev as Ev) });
    on.end();
  }
}

export async function loadModel(path: string): Promise<Model> {
  const text = (await readWhole(path, MAX_MODEL)).toString('utf8');
  return parseModel(text, inputName(path));
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const files = (a: Ev) => ((a.files as string[] | undefined) ?? []).map(String).map((f) => (f === '' ? '-' : f));
  const parser = cliParser(TOOL, argv)
    .usage(
      '$0 <learn|check|qemu> [options]\n\n' +
        'Learn from traces of a driver a model of its device that answers every register as the\n' +
        'device did (constant, storage, w1c, self-clearing, counter, poll, data port, bit-banged\n' +
        'EEPROM, and only then playback); check it on another run; make a QEMU device of it.\n' +
        'The model: docs/model.md.',
    )
    .command(
      'learn [files..]',
      'learn a model from one device in one or several runs (each input file is a run)',
      (y) =>
        inputOptions(selectorOptions(y))
          .positional('files', { type: 'string', array: true, describe: 'traces or NDJSON events; - or none: stdin' })
          .option('output', { alias: 'o', type: 'string', demandOption: true, requiresArg: true, describe: 'model file to write (atomically)' })
          .option('id', { type: 'string', requiresArg: true, describe: 'VENDOR:DEVICE[:SUBVENDOR:SUBDEVICE] (hex), for what the trace lacks (default: from the trace)' })
          .option('class', { type: 'string', requiresArg: true, describe: '24-bit class code, 0x020000 (default: from the trace)' })
          .option('bar', { type: 'string', requiresArg: true, describe: 'N=SIZE[,io|mem64|pref], repeatable: a BAR the trace does not size (default: from the trace)' })
          .option('cap', { type: 'number', default: PLAYBACK_CAP, requiresArg: true, describe: 'values recorded per playback register' })
          .example('$0 learn --name e1000-mmio boot1.log -o e1000.json', 'a model of the e1000 in a QEMU memory-ops trace')
          .example('$0 learn --dev 03:00.0 vfio.log --bar 1=0x40,io -o dev.json', 'from a VFIO trace, with the I/O BAR it never sized'),
      async (a) => {
        const bars = new Map<number, GivenBar>();
        for (const b of [a.bar ?? []].flat().map(String)) {
          const [i, g] = parseBar(b);
          bars.set(i, g);
        }
        const cap = a.cap as number;
        if (!Number.isInteger(cap) || cap < 1) throw new UsageError('--cap: expected a whole number of values, 1 or more');
        const o: LearnOptions = { bars, playbackCap: cap, generator: `${TOOL} ${VERSION}` };
        if (a.id !== undefined) o.id = parseId(String([a.id].flat().pop()));
        if (a.class !== undefined) o.class = num(String([a.class].flat().pop()), '--class', 0xffffff);
        const learner = new Learner(o);
        const inputs = files(a as Ev);
        await readRuns(inputs, a as Ev, { start: (f) => learner.startFile(f), selected: (ev) => learner.selected(ev), leftOut: (ev) => learner.leftOut(ev), end: () => learner.endFile() });
        const model = learner.model();
        const output = String(a.output);
        await writeAtomic(output, (target) => writeFile(target, modelJson(model)), inputs);
        const kinds = new Map<string, number>();
        for (const r of model.registers) kinds.set(r.rule.kind, (kinds.get(r.rule.kind) ?? 0) + 1);
        warn(TOOL, `${output}: ${model.registers.length} registers (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ${model.writeOnly.length} write-only, from ${model.sources.length} run${model.sources.length === 1 ? '' : 's'}`);
        for (const n of model.notes) warn(TOOL, `note: ${n}`);
      },
    )
    .command(
      'check <model> [files..]',
      'answer the reads of a trace with the model (open loop) and count the exact ones, with two baselines',
      (y) =>
        inputOptions(selectorOptions(y))
          .positional('model', { type: 'string', demandOption: true, describe: 'the model (from mmio-model learn)' })
          .positional('files', { type: 'string', array: true, describe: 'traces or NDJSON events; - or none: stdin' })
          .option('mismatches', { type: 'boolean', default: false, describe: 'print one NDJSON record per wrong read ({file, line, region, offset, width, device, model, rule}) on stdout; the summary goes to stderr' })
          .option('json', { type: 'boolean', default: false, describe: 'the summary as one JSON object' })
          .option('min', { type: 'number', requiresArg: true, describe: 'exit 1 when fewer than PCT percent of the reads are exact (default: never)' })
          .option('score', { type: 'string', requiresArg: true, describe: 'score only the reads on these lines, A-B, A- or -B (every access still drives the model; default: all)' })
          .example('$0 check e1000.json --name e1000-mmio boot2.log', 'how many of another boot\'s reads the model answers exactly')
          .example('$0 check e1000.json --mismatches boot2.log | head', 'the reads it got wrong'),
      async (a) => {
        const min = a.min as number | undefined;
        if (min !== undefined && (!Number.isFinite(min) || min < 0 || min > 100)) throw new UsageError('--min: expected a percentage, 0-100');
        const model = await loadModel(String(a.model));
        const out = new LineWriter(process.stdout);
        const score = a.score === undefined ? undefined : [a.score].flat().map(String).flatMap((x) => x.split(',')).map(lineRange);
        const checker = new Checker(model, a.mismatches ? (m: Mismatch) => out.line(JSON.stringify(m)) : undefined, score);
        await readRuns(files(a as Ev), a as Ev, { start: (f) => checker.startFile(f), selected: (ev) => checker.selected(ev), leftOut: (ev) => checker.leftOut(ev), end: () => undefined });
        const r = checker.result;
        const summary = a.json ? JSON.stringify(r) + '\n' : checkText(r);
        if (a.mismatches) {
          await out.flush();
          process.stderr.write(summary);
        } else {
          out.line(summary.trimEnd());
          await out.flush();
        }
        if (min !== undefined && (r.reads === 0 || (100 * r.exact) / r.reads < min)) {
          warn(TOOL, `${pct(r)} of ${r.reads} reads exact: below --min ${min}`);
          code = 1;
        }
      },
    )
    .command(
      'qemu <model>',
      'write a QEMU PCI device (one C file) that answers as the model does',
      (y) =>
        y
          .positional('model', { type: 'string', demandOption: true, describe: 'the model (from mmio-model learn)' })
          .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'the C file to write (atomically); - for stdout (default: --into, or stdout)' })
          .option('type', { type: 'string', requiresArg: true, describe: 'the QOM type name, what -device takes (default: mmio-VVVV-DDDD from the IDs)' })
          .option('alias', { type: 'string', requiresArg: true, describe: 'N=M, repeatable: BAR N answers as BAR M (a memory BAR that is a window on an I/O BAR)' })
          .option('into', { type: 'string', requiresArg: true, describe: "a QEMU source tree: write hw/misc/TYPE.c there and add its line to hw/misc/meson.build" })
          .example('$0 qemu e1000.json --type e1000-model -o e1000_model.c', 'a device for QEMU'),
      async (a) => {
        const model = await loadModel(String(a.model));
        const aliases: [number, number][] = [a.alias ?? []].flat().map(String).map((x) => {
          const m = /^([0-5])=([0-5])$/.exec(x);
          if (!m) throw new UsageError(`--alias ${JSON.stringify(x)}: expected N=M, BAR numbers 0-5`);
          return [+m[1]!, +m[2]!];
        });
        let text: string;
        const type = a.type === undefined ? defaultTypeName(model) : String([a.type].flat().pop());
        if (a.type !== undefined && !validTypeName(type)) throw new UsageError(`--type ${JSON.stringify(type)}: a device name is a lower-case letter, then letters, digits or '-', at most 48`);
        try {
          text = generateQemuDevice(model, { type, source: inputName(String(a.model)), aliases, warn: (m) => warn(TOOL, `${inputName(String(a.model))}: ${m}`) });
        } catch (e) {
          if (e instanceof QemuModelError) throw new InputError(e.message, inputName(String(a.model)));
          throw e;
        }
        if (a.into !== undefined) {
          const src = String(a.into);
          const mesonPath = join(src, 'hw', 'misc', 'meson.build');
          const meson = await readFile(mesonPath, 'utf8');
          const file = qemuFileName(type);
          await writeAtomic(join(src, 'hw', 'misc', file), (target) => writeFile(target, text));
          const m = mesonWithDevice(meson, file);
          if (m.added) await writeAtomic(mesonPath, (target) => writeFile(target, m.text));
          warn(TOOL, `${join(src, 'hw', 'misc', file)}${m.added ? `, and its line in ${mesonPath}` : ''}: build QEMU and run it with -device ${type}`);
        }
        if (a.output !== undefined && String(a.output) !== '-') await writeAtomic(String(a.output), (target) => writeFile(target, text), [String(a.model)]);
        else if (a.into === undefined || a.output === '-') {
          const out = new LineWriter(process.stdout);
          out.line(text.replace(/\n$/, ''));
          await out.flush();
        }
      },
    )
    .demandCommand(1, 'a command: learn, check or qemu')
    .strict();
  await parser.parseAsync();
  void existsSync;
  return code;
}
