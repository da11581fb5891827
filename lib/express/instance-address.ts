import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { hostname, networkInterfaces } from 'node:os';
import { Server as TlsServer } from 'node:tls';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/** The server `register()` is given: what `app.listen()` returns, or an `https.Server`. */
export type ListeningServer = HttpServer | HttpsServer;

/** Where clients and Consul's check reach the instance. */
export interface InstanceAddress {
  readonly id: string;
  /** Host name or IP address, IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
  /** `http://10.0.3.17:3000` (brackets around IPv6): the base of the check's URL. */
  readonly origin: string;
}

const wildcards = new Set(['0.0.0.0', '::', '']);

/**
 * The instance's address, port and ID: the ones given, else the ones the server listens on. A server bound
 * to every interface is announced at the machine's first non-internal IPv4 address, as a registrar on the
 * host would see it; give `address` when clients reach it some other way (a container's published port).
 */
export function instanceAddress(
  server: ListeningServer,
  service: string,
  given: { id?: string | undefined; address?: string | undefined; port?: number | undefined },
): InstanceAddress {
  const bound = server.address();
  if ((given.address === undefined || given.port === undefined) && (bound === null || typeof bound === 'string')) {
    throw new InvalidOptionError(
      'port',
      `and \`address\` are needed: the server listens on ${bound === null ? 'nothing' : `the pipe ${bound}`}, not a TCP port`,
    );
  }
  const listening = typeof bound === 'object' && bound !== null ? bound : undefined;
  const address = given.address ?? publicAddress(listening?.address ?? '');
  const port = given.port ?? listening?.port ?? 0;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    id: given.id ?? `${service}-${hostname()}-${port}-${process.pid}`,
    address,
    port,
    origin: `${server instanceof TlsServer ? 'https' : 'http'}://${host}:${port}`,
  };
}

function publicAddress(bound: string): string {
  if (!wildcards.has(bound)) return bound;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const candidate of addresses ?? []) {
      if (candidate.family === 'IPv4' && !candidate.internal) return candidate.address;
    }
  }
  return '127.0.0.1';
}
