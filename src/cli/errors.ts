/** A failure to report in one line, without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}
