/**
 * The base of every error proxyless raises itself. `code` is stable across releases: match on it,
 * not on the message, which may be reworded to be clearer.
 */
export abstract class ProxylessError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
