/**
 * Where the CLI writes: results on stdout as JSON, so they pipe into jq and scripts; notes and progress
 * for the person at the terminal on stderr, so they never mix into a result.
 */

export function printResult(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function note(message: string): void {
  process.stderr.write(message + "\n");
}
