import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { booleanOption, nonEmptyString, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';

/** TLS toward `https:` instances. */
export interface InstanceTlsOptions {
  /** CA certificate(s), PEM, that signed the instances' certificates (default: Node's bundled roots). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate, PEM, for instances that ask for one (mutual TLS). */
  readonly cert?: string | Buffer;
  /** The client certificate's private key, PEM. */
  readonly key?: string | Buffer;
  /** The name to verify instances' certificates against, when it is not the address discovery gives. */
  readonly servername?: string;
  /** `false` accepts any certificate: for local development only. Default true. */
  readonly rejectUnauthorized?: boolean;
}

const keys = ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'] as const;

export function resolveInstanceTls(options: InstanceTlsOptions | undefined): HttpsAgentOptions | undefined {
  if (options === undefined) return undefined;
  requireOptionsObject('tls', options, "{ ca: readFileSync('ca.pem') }");
  rejectUnknownKeys('tls', options, keys);
  const pem = (name: string, value: unknown): void => {
    const one = (item: unknown): boolean => typeof item === 'string' || Buffer.isBuffer(item);
    if (value !== undefined && !(one(value) || (name === 'tls.ca' && Array.isArray(value) && value.length > 0 && value.every(one)))) {
      throw new InvalidOptionError(name, 'must be PEM text (a string or Buffer)' + (name === 'tls.ca' ? ' or an array of them' : ''));
    }
  };
  pem('tls.ca', options.ca);
  pem('tls.cert', options.cert);
  pem('tls.key', options.key);
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new InvalidOptionError(options.cert === undefined ? 'tls.cert' : 'tls.key', 'is needed with the other: a client certificate and its key go together');
  }
  return {
    ...(options.ca === undefined ? {} : { ca: Array.isArray(options.ca) ? [...(options.ca as (string | Buffer)[])] : (options.ca as string | Buffer) }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.servername === undefined ? {} : { servername: nonEmptyString('tls.servername', options.servername, '"users.internal"') }),
    ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: booleanOption('tls.rejectUnauthorized', options.rejectUnauthorized) }),
  };
}
