import yargs, { type Argv } from 'yargs';
import { writeSync } from 'node:fs';
import { checkRepeated, cleanMessage, completer, completionScript } from './args.js';
import { installCleanup, removeLeftovers } from './cleanup.js';
import { InputError, UsageError, where } from './errors.js';
import { flushPendingLines, stdoutGone } from './output.js';
import { clearProgress } from './progress.js';
import { oneLine } from './escape.js';

export { oneLine };

export const VERSION = '0.1.0';

/**
 * Words yargs would not take as file names: `help` (as the last one, it shows the help) and `true`,
 * `false` (after a flag, they are its value). They go through yargs as no argument can be (with a
 * NUL before them), and come back as they were: a file of that name is a file. A flag is set with
 * --X or --no-X (or --X=false).
 */
const HIDDEN = new Map(['help', 'true', 'false'].map((w) => ['\u0000' + w, w]));
const hide = (w: string) => (HIDDEN.has('\u0000' + w) ? '\u0000' + w : w);
const unhide = (v: unknown): unknown => (typeof v === 'string' && HIDDEN.has(v) ? HIDDEN.get(v) : Array.isArray(v) ? v.map(unhide) : v);

/** -q: no notes on stderr (errors are still printed), as grep -q. */
let quiet = false;
/** --progress / --no-progress as given (undefined: neither). */
let progressFlag: boolean | undefined;

/**
 * A yargs parser set up the way every mmio-tools program wants it: strict
 * options, usage errors thrown as UsageError (exit 2), --help and --version,
 * and the options of every tool: -q, --progress, completion.
 */
export function cliParser(tool: string, argv: string[]): Argv {
  // `completion` as the first and only word prints the family's completion script; anywhere else
  // (`mmio-parse completion`, a file of that name, is `mmio-parse ./completion`) it is a file name.
  if (argv.length === 1 && argv[0] === 'completion') {
    try {
      writeSync(1, completionScript());
    } catch {
      // the reader went away: nothing to print to
    }
    process.exit(0);
  }
  // File names yargs would take for something else go through it hidden (see HIDDEN).
  const y: Argv = yargs(argv.map(hide))
    .scriptName(tool)
    .strictOptions()
    .help('help')
    .alias('help', 'h')
    .version(VERSION)
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no notes on stderr (errors are still printed)' })
    .option('progress', { type: 'boolean', describe: 'a progress line on stderr (default: when stderr is a terminal and an input file takes more than a second or two; --no-progress: never)' })
    .middleware((a) => {
      // One rule for an option given twice: a list adds, a flag takes the last, anything else is a usage error.
      for (const [k, v] of Object.entries(a)) a[k] = unhide(v);
      checkRepeated(argv, y);
      quiet = Boolean(a.quiet);
      progressFlag = a.progress as boolean | undefined;
    })
    // `completion` alone is handled above; yargs' completion command gets a name no argument can have (a NUL).
    .completion('\u0000completion', false, completer(argv, () => y))
    // On a terminal, wrapped to it; elsewhere (a man page, a pipe) not wrapped: examples stay whole commands.
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns ?? 100) : null)
    .parserConfiguration({ 'camel-case-expansion': true, 'duplicate-arguments-array': true, 'parse-positional-numbers': false })
    .fail((msg, err) => {
      // yargs' own errors (YError: "Not enough arguments following: o") are usage errors too, in one clean line.
      const back = (m: string) => [...HIDDEN].reduce((t, [h, w]) => t.split(h).join(w), m);
      if (err && err.name === 'YError') throw new UsageError(cleanMessage(back(err.message), y, argv));
      throw err ?? new UsageError(cleanMessage(back(msg), y, argv));
    });
  return y;
}

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

/** What a system error code means, in the words a user reads. */
const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EFBIG: 'file too large for this file system',
  EROFS: 'read-only file system',
  EEXIST: 'file exists',
  EMFILE: 'too many open files',
  EPERM: 'operation not permitted',
  ERR_FS_FILE_TOO_LARGE: 'larger than 2 GiB, more than this tool reads at once',
};

/** The one line printed for an error, and the exit code that goes with it. */
export function describeError(tool: string, e: unknown): { message: string; code: number } {
  // The printer of errors must not fail itself (a path that is a list, an error that is not an Error).
  try {
    return describe(tool, e);
  } catch {
    return { message: `${tool}: internal error (and its message could not be printed)`, code: 1 };
  }
}

function describe(tool: string, e: unknown): { message: string; code: number } {
  if (e instanceof UsageError) return { message: `${tool}: ${oneLine(e.message.replace(/\n\s*/g, '; '))} (see ${tool} --help)`, code: 2 };
  if (e instanceof InputError) return { message: `${tool}: ${oneLine(where(e.file, e.line) + e.message)}`, code: 1 };
  const se = e as SystemError;
  if (se && typeof se.code === 'string') {
    const reason = SYSTEM_REASONS[se.code] ?? se.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    if (se.path) return { message: `${tool}: ${oneLine(String(se.path))}: ${reason}`, code: 1 };
    if (se.code.startsWith('Z_') || se.code === 'ERR_ZLIB') return { message: `${tool}: gzip input: ${se.message}`, code: 1 };
    return { message: `${tool}: ${oneLine(se.message)}`, code: 1 };
  }
  const msg = e instanceof Error ? e.message : String(e);
  const stack = process.env.MMIO_DEBUG && e instanceof Error ? `\n${e.stack}` : '';
  return { message: `${tool}: internal error: ${oneLine(msg)}${stack}`, code: 1 };
}

/**
 * Run a program's main function under the one process policy of mmio-tools:
 * exit 0 on success and when the reader of stdout went away (`| head`),
 * 1 for bad input or failure, 2 for usage errors; errors are one line on
 * stderr, without a stack trace. `failureCode` replaces 1 for tools whose exit
 * 1 means something else (mmio-diff: 1 is "different", trouble is 2, as diff(1)).
 */
export interface RunOptions {
  /** Replaces 1 for tools whose exit 1 means something else (mmio-diff: 1 is "different", trouble is 2, as diff(1)). */
  failureCode?: number;
  /**
   * The tool's work is files it writes (mmio-replay, mmio-extract firmware): when the
   * reader of stdout goes away (`| head`), it finishes them, its stdout discarded.
   * Other tools stop at once: nobody reads what they would make.
   */
  writesFiles?: boolean;
}

export function runCli(tool: string, main: (argv: string[]) => Promise<number | void>, opts: RunOptions = {}): void {
  installCleanup();
  let failed = false;
  const onStdoutError = (err: SystemError) => {
    // A write error names no file (ENOSPC on a full disk, /dev/full): it is standard output.
    if (err && typeof err === 'object' && err.path === undefined) err.path = '<stdout>';
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      if (opts.writesFiles && !failed) {
        stdoutGone();
        return;
      }
      process.exit(process.exitCode ?? 0);
    }
    fail(err);
  };
  process.stdout.on('error', onStdoutError);
  const fail = (e: unknown) => {
    if (failed) return; // one error, one line (a full stdout fails every write after the first)
    failed = true;
    flushPendingLines(); // the output before the failing input, all of it
    removeLeftovers();
    const { message, code } = describeError(tool, e);
    clearProgress();
    process.stderr.write(message + '\n');
    process.exitCode = code === 1 ? opts.failureCode ?? 1 : code;
    // Nothing more is read: an input still open (a terminal, a pipe nobody closes) must not keep us.
    process.stdin.destroy();
    process.stdout.end(() => process.exit());
    // stdout may never drain (its reader stopped reading): do not wait for it for ever.
    setTimeout(() => process.exit(), 2000).unref();
  };
  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    fail,
  );
}

/** Print a warning line on stderr (one line, whatever the message quotes). */
export function warn(tool: string, message: string): void {
  if (quiet) return;
  clearProgress();
  process.stderr.write(`${tool}: ${oneLine(message)}\n`);
}

/** --progress / --no-progress as given (undefined: neither, the progress line decides by itself). */
export function progressWanted(): boolean | undefined {
  return progressFlag;
}
