import { ProxylessError } from './proxyless-error.js';

/** An option given to proxyless is missing or wrong; raised at construction, before anything runs. */
export class InvalidOptionError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_INVALID_OPTION';

  /**
   * @param option the option's path as the caller wrote it, e.g. `retry.attempts`
   * @param problem what was wrong and what would be right
   */
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`proxyless: option \`${option}\` ${problem}`);
  }
}
