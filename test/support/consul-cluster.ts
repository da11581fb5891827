// A small Consul cluster on loopback, as production runs it: one server agent and client agents that
// joined it, each on its own free ports. Services registered through any agent are seen through all.
import { startClientAgent, startConsul, type ConsulAgent } from './consul-agent.js';

export interface ConsulCluster {
  readonly server: ConsulAgent;
  readonly clients: readonly ConsulAgent[];
  /** Stops every agent; safe to call any number of times. */
  stop(): Promise<void>;
}

/** Starts a server and `clients` client agents (default 2) joined to it; resolves once all are ready. */
export async function startConsulCluster(options: { clients?: number } = {}): Promise<ConsulCluster> {
  const server = await startConsul({ node: 'server' });
  const started = await Promise.allSettled(
    Array.from({ length: options.clients ?? 2 }, (_, i) => startClientAgent(server, { node: `client-${i + 1}` })),
  );
  const clients = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(clients.map((client) => client.stop()));
    await server.stop();
  };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  return { server, clients, stop };
}
