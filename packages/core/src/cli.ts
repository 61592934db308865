import yargs, { type Argv } from 'yargs';
import { InputError, UsageError, where } from './errors.js';
import { flushPendingLines } from './output.js';

export const VERSION = '0.1.0';

/**
 * A yargs parser set up the way every mmio-tools program wants it: strict
 * options, usage errors thrown as UsageError (exit 2), --help and --version.
 */
export function cliParser(tool: string, argv: string[]): Argv {
  return yargs(argv)
    .scriptName(tool)
    .strictOptions()
    .help('help')
    .alias('help', 'h')
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .parserConfiguration({ 'camel-case-expansion': true, 'duplicate-arguments-array': true })
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
}

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

/** The one line printed for an error, and the exit code that goes with it. */
export function describeError(tool: string, e: unknown): { message: string; code: number } {
  if (e instanceof UsageError) return { message: `${tool}: ${e.message}\nTry '${tool} --help'.`, code: 2 };
  if (e instanceof InputError) return { message: `${tool}: ${where(e.file, e.line)}${e.message}`, code: 1 };
  const se = e as SystemError;
  if (se && typeof se.code === 'string') {
    const reason = se.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    if (se.path) return { message: `${tool}: ${se.path}: ${reason}`, code: 1 };
    if (se.code.startsWith('Z_') || se.code === 'ERR_ZLIB') return { message: `${tool}: gzip input: ${se.message}`, code: 1 };
    return { message: `${tool}: ${se.message}`, code: 1 };
  }
  const msg = e instanceof Error ? e.message : String(e);
  const stack = process.env.MMIO_DEBUG && e instanceof Error ? `\n${e.stack}` : '';
  return { message: `${tool}: internal error: ${msg}${stack}`, code: 1 };
}

/**
 * Run a program's main function under the one process policy of mmio-tools:
 * exit 0 on success and when the reader of stdout went away (`| head`),
 * 1 for bad input or failure, 2 for usage errors; errors are one line on
 * stderr, without a stack trace. `failureCode` replaces 1 for tools whose exit
 * 1 means something else (mmio-diff: 1 is "different", trouble is 2, as diff(1)).
 */
export function runCli(tool: string, main: (argv: string[]) => Promise<number | void>, opts: { failureCode?: number } = {}): void {
  const onStdoutError = (err: SystemError) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    fail(err);
  };
  process.stdout.on('error', onStdoutError);
  const fail = (e: unknown) => {
    flushPendingLines(); // the output before the failing input, all of it
    const { message, code } = describeError(tool, e);
    process.stderr.write(message + '\n');
    process.exitCode = code === 1 ? opts.failureCode ?? 1 : code;
    process.stdout.end();
  };
  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    fail,
  );
}

/** Print a warning line on stderr. */
export function warn(tool: string, message: string): void {
  process.stderr.write(`${tool}: ${message}\n`);
}
