import { BalancedPool, Pool, type Dispatcher } from 'undici';
import { createClient } from '../../lib/client/create-client.js';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import type { PickerName } from '../../lib/pickers/create-picker.js';

/** One way for a process to call the service: proxyless, a client-side pool of undici's, or a central balancer. */
export interface Caller {
  readonly name: string;
  /** Sends GET /work; resolves with the name of the instance that answered. */
  send(): Promise<string>;
  close(): Promise<void>;
}

/** proxyless with static discovery of `origins` (the request path is under test here, not Consul). */
export function proxylessCaller(origins: readonly string[], transport: 'axios' | 'undici', picker: Exclude<PickerName, 'locality'> = 'p2c-ewma', label?: string): Caller {
  const client = createClient({ service: 'bench', discovery: staticDiscovery([...origins]), transport, picker });
  return {
    name: label ?? `proxyless (${transport})`,
    send: async () => String((await client.get('/work')).headers['x-instance']),
    close: () => client.close(),
  };
}

/** proxyless's `client.send` (undici transport): the balancer without axios's interface or a `Response`. */
export function proxylessSendCaller(origins: readonly string[]): Caller {
  const client = createClient({ service: 'bench', discovery: staticDiscovery([...origins]), transport: 'undici' });
  return {
    name: 'proxyless send (undici)',
    send: async () => {
      const response = await client.send({ path: '/work' });
      if (response.status >= 500) throw new Error(`status ${response.status}`);
      return String(response.headers['x-instance']);
    },
    close: () => client.close(),
  };
}

/** undici's own BalancedPool over `origins`: client-side balancing with none of proxyless's failure handling. */
export function balancedPoolCaller(origins: readonly string[]): Caller {
  const pool = new BalancedPool([...origins]);
  return { name: 'undici BalancedPool', send: () => getWork(pool), close: () => pool.close() };
}

/** An undici Pool to one origin (a central balancer): the fastest client a caller could put in front of one. */
export function originCaller(name: string, origin: string): Caller {
  const pool = new Pool(origin, { connections: 128 });
  return { name, send: () => getWork(pool), close: () => pool.close() };
}

/** GET /work through an undici dispatcher, its body drained; a 5xx is a failure, as it is to proxyless. */
async function getWork(dispatcher: Dispatcher): Promise<string> {
  const response = await dispatcher.request({ path: '/work', method: 'GET' });
  await response.body.dump();
  if (response.statusCode >= 500) throw new Error(`status ${response.statusCode}`);
  return String(response.headers['x-instance']);
}
