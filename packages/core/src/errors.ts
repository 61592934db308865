/** A problem with how the tool was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A problem with the input or the work: exit code 1. `file` and `line`, when
 * known, are printed as `file:line:` before the message.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    public readonly file?: string,
    public readonly line?: number,
  ) {
    super(message);
  }
}

/** `file:line: ` (or `file: `, or nothing) for a message. */
export function where(file?: string, line?: number): string {
  if (file === undefined) return '';
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}
