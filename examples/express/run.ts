// `npm run example:express`: the two microservices of this folder, users and orders, two instances of each,
// against a real Consul agent (the project's test helper; scripts/consul-binary.mjs finds or fetches Consul).
// Each instance registers itself; a caller places orders (orders asks users) and reads a user's orders (users
// asks orders) through proxyless. Then the users instances are replaced one at a time, as a deploy does it,
// while that traffic keeps flowing: start the new one, wait until it passes its check, SIGTERM the old one.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createClient, type BalancedClient } from '../../lib/index.js';
import { killAndWait, trackChildProcess } from '../../test/support/child-processes.js';
import { startConsul, type ConsulAgent } from '../../test/support/consul-agent.js';
import { startLoad, waitFor, type Load } from '../../test/support/load.js';

type Service = 'users' | 'orders';

interface ServiceProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** The JSON lines the instance printed. */
  readonly events: { event: string; requestsCutOff?: number }[];
  readonly exited: Promise<number | null>;
}

interface Order {
  item: string;
  for: string;
  servedBy: string;
  userServedBy: string;
}

interface UserOrders {
  orders: string[];
  servedBy: string;
  ordersServedBy: string;
}

const CALLERS = 3;

async function startService(service: Service, id: string, consul: ConsulAgent): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(`./${service}.ts`, import.meta.url).pathname], {
    env: { ...process.env, CONSUL_HTTP_ADDR: consul.address, SERVICE_ID: id },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChildProcess(child);
  const events: ServiceProcess['events'] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const registered = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as ServiceProcess['events'][number];
      events.push(event);
      if (event.event === 'registered') resolve();
    });
    void exited.then((code) => reject(new Error(`${id} exited (${code}) before it registered`)));
  });
  await registered;
  return { id, child, events, exited };
}

async function main(): Promise<number> {
  const processes: ServiceProcess[] = [];
  const clients: BalancedClient[] = [];
  const loads: Load[] = [];
  let consul: ConsulAgent | undefined;
  try {
    consul = await startConsul({ node: 'proxyless-example' });
    console.log(`Consul agent (dev mode) on ${consul.address}`);
    const agent = consul;
    const start = async (service: Service, id: string): Promise<ServiceProcess> => {
      const started = await startService(service, id, agent);
      processes.push(started);
      return started;
    };
    const oldUsers = await Promise.all([start('users', 'users-1'), start('users', 'users-2')]);
    await Promise.all([start('orders', 'orders-1'), start('orders', 'orders-2')]);
    console.log('users-1, users-2, orders-1, orders-2 registered themselves');

    const connection = { host: agent.host, port: agent.port };
    const orders = createClient({ service: 'orders', consul: connection });
    const users = createClient({ service: 'users', consul: connection });
    clients.push(orders, users);
    await Promise.all([orders.ready({ timeoutMs: 10_000 }), users.ready({ timeoutMs: 10_000 })]);
    await waitFor(() => orders.instances().length === 2 && users.instances().length === 2, 15_000, 'every instance to pass its check');

    const placed = (await orders.post<Order>('/orders', { user: '1', item: 'a slide rule' })).data;
    console.log(`POST /orders         ${placed.servedBy} (asked ${placed.userServedBy}): ${placed.item} for ${placed.for}`);
    const listed = (await users.get<UserOrders>('/users/2/orders')).data;
    console.log(`GET /users/2/orders  ${listed.servedBy} (asked ${listed.ordersServedBy}): ${listed.orders.join(', ')}`);

    console.log('');
    console.log(`rolling restart of users while ${CALLERS} callers place orders and ${CALLERS} read them`);
    const posts = startLoad(CALLERS, async () => {
      const { data } = await orders.post<Order>('/orders', { user: '3', item: 'a punched card' });
      return { data: { id: data.userServedBy } };
    });
    const gets = startLoad(CALLERS, async () => {
      const { data } = await users.get<UserOrders>('/users/3/orders');
      return { data: { id: data.servedBy } };
    });
    loads.push(posts, gets);
    for (const [index, leaving] of oldUsers.entries()) {
      const joining = await start('users', `users-${index + 3}`);
      await waitFor(() => users.instances().some((instance) => instance.id === joining.id), 15_000, `${joining.id} to pass its check`);
      leaving.child.kill('SIGTERM');
      const code = await leaving.exited;
      const cutOff = leaving.events.find((event) => event.event === 'drained')?.requestsCutOff;
      console.log(`  ${joining.id} passing; SIGTERM ${leaving.id}: drained (${cutOff ?? '?'} requests cut off), exited with code ${code}`);
    }
    const placedResult = await posts.stop();
    const readResult = await gets.stop();
    const listedUsers = users.instances().map((instance) => instance.id).sort();
    const failed = placedResult.failed + readResult.failed;

    console.log('');
    console.log(`requests   ${placedResult.ok} POST /orders, ${readResult.ok} GET /users/3/orders`);
    console.log(`failed     ${failed}${failed === 0 ? '' : `: ${[...placedResult.errors, ...readResult.errors].join('; ')}`}`);
    console.log(`users now  ${listedUsers.join(', ')}`);
    return failed === 0 ? 0 : 1;
  } finally {
    for (const load of loads) await load.stop();
    for (const client of clients) await client.close();
    await Promise.all(processes.map((started) => killAndWait(started.child)));
    await consul?.stop();
    console.log('stopped everything the example started');
  }
}

// Ctrl-C: the exit handler of child-processes.ts stops what was started.
process.once('SIGINT', () => process.exit(130));
process.exitCode = await main();
