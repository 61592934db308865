/**
 * Files to remove however the process ends: temporary outputs and spools. The
 * CLI runner removes them on exit, on every signal that ends a process by
 * default and can be caught (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1,
 * SIGUSR2, SIGVTALRM, SIGXCPU; then it exits 128 + the signal number, as a
 * shell reports it), and after an error; a write that completes takes its file
 * off the list. SIGUSR1 ends the tool like the others: it never opens Node's
 * inspector (a debugger port), which is what Node does with it by default.
 */
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

const paths = new Set<string>();

/** Remove `path` (a file or a directory) when the process ends, unless `forget` is called first. */
export function removeOnExit(path: string): void {
  paths.add(path);
}

/** `path` is no longer to be removed (it was renamed into place, or removed already). */
export function forget(path: string): void {
  paths.delete(path);
}

/** Remove every path still on the list, now, synchronously. */
export function removeLeftovers(): void {
  for (const p of paths) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // nothing more can be done on the way out
    }
  }
  paths.clear();
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU'];
let installed = false;

/** Install the exit and signal handlers once per process. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeLeftovers);
  for (const sig of SIGNALS) {
    const n = constants.signals[sig];
    const h = () => {
      const had = paths.size > 0;
      const kept = [...paths];
      removeLeftovers();
      if (had) {
        // An open(…, O_CREAT) of a temporary that the thread pool had already started can land
        // after the removal and make the file again. Wait 30 ms without running any JavaScript
        // (so nothing new starts and nothing is renamed into place), then remove again.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
        for (const p of kept) paths.add(p);
        removeLeftovers();
      }
      process.exit(128 + n);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
}

const handlers = new Map<NodeJS.Signals, () => void>();

/**
 * Run a long synchronous step (loading a register database) with the signals' own action: while
 * nothing is to be removed, SIGINT, SIGTERM and SIGHUP end the process at once (128 + the signal,
 * as the handlers do) instead of waiting for the step to end, which no handler could interrupt.
 */
export function withDefaultSignals<T>(step: () => T): T {
  if (paths.size > 0 || handlers.size === 0) return step();
  // SIGUSR1 keeps its handler: without one it is Node's debugger port, never ours to open.
  const own = [...handlers].filter(([sig]) => sig !== 'SIGUSR1');
  for (const [sig, h] of own) process.off(sig, h);
  try {
    return step();
  } finally {
    for (const [sig, h] of own) process.on(sig, h);
  }
}
