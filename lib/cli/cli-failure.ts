/** A run of the command that must end with a one-line message on stderr and a non-zero exit. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';

  constructor(
    message: string,
    /** 1: the service or Consul; 2: the command line. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
