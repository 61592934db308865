import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'real', 'e1000-probe');

/** Chunks of a text or buffer, split at odd sizes to exercise chunk boundaries. */
export async function* chunksOf(data: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export const gz = (s: string | Buffer) => gzipSync(typeof s === 'string' ? Buffer.from(s) : s);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
}

/** Wait for a child process and collect its exit code and output. */
function collect(child: ChildProcess): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBuf = Buffer.concat(out);
      resolve({ code, stdout: stdoutBuf.toString(), stderr: Buffer.concat(err).toString(), stdoutBuf });
    });
  });
}

/** Run one of the built CLIs (`mmio-parse`, ...) with optional stdin. */
export function run(tool: string, args: string[], input?: string | Buffer, opts: { cwd?: string } = {}): Promise<RunResult> {
  const pkg = tool.replace(/^mmio-/, '');
  const bin = join(ROOT, 'packages', pkg, 'bin', `${tool}.js`);
  const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = collect(child);
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return done;
}

/** Run a shell pipeline from the repo root with the tools on PATH. */
export function sh(script: string, opts: { cwd?: string } = {}): Promise<RunResult> {
  const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` };
  return collect(spawn('bash', ['-o', 'pipefail', '-c', script], { cwd: opts.cwd ?? ROOT, env }));
}

export const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);
export const jsonLines = (s: string) => lines(s).map((l) => JSON.parse(l) as Record<string, unknown>);
