/** The stub harness of mmio-model qemu's tests: compile a generated device's answering logic alone and drive it. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceState, RULE_KINDS, type Model } from '../src/model.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export type Op = { op: 'x' } | { op: 'w'; region: number; offset: bigint; width: number; value: bigint } | { op: 'r'; region: number; offset: bigint; width: number };

/** Compile the generated file's answering logic with the harness; gcc must be there (.ci/run installs it). */
export function compileHarness(dir: string, c: string, name = 'dev'): string {
  writeFileSync(join(dir, `${name}.c`), c);
  const exe = join(dir, name);
  const r = spawnSync('gcc', ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-DMMIO_MODEL_STANDALONE', `-DMMIO_MODEL_C="${name}.c"`, '-I', dir, join(HERE, 'qemu-harness.c'), '-o', exe], { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc: ${r.error.message} (apt-get install gcc)`);
  if (r.status !== 0) throw new Error(`gcc failed:\n${r.stderr}`);
  return exe;
}

/** The harness's answers to the reads of `ops`, "VALUE KIND" (hex, kind number). */
export function harnessAnswers(exe: string, ops: Op[]): string[] {
  const input = ops.map((o) => (o.op === 'x' ? 'x' : o.op === 'w' ? `w ${o.region} ${o.offset.toString(16)} ${o.width} ${o.value.toString(16)}` : `r ${o.region} ${o.offset.toString(16)} ${o.width}`)).join('\n') + '\n';
  const r = spawnSync(exe, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`harness: exit ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** DeviceState's answers to the same reads. */
export function modelAnswers(model: Pick<Model, 'registers'>, ops: Op[]): string[] {
  const dev = new DeviceState(model);
  const out: string[] = [];
  for (const o of ops) {
    if (o.op === 'x') dev.reset();
    else if (o.op === 'w') dev.write(o.region, o.offset, o.width, o.value);
    else {
      const got = dev.read(o.region, o.offset, o.width);
      out.push(`${got.value.toString(16)} ${got.kind === undefined ? -1 : RULE_KINDS.indexOf(got.kind)}`);
    }
  }
  return out;
}

