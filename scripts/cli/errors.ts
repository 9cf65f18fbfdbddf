/**
 * The one way a CLI command fails: a message for the operator, optional detail lines (the problem's
 * `errors`), and the exit code. The entry point prints it; commands only throw it.
 */

/** The gateway refused, or something the operator can fix went wrong. */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, [], EXIT_USAGE);
}
