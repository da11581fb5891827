import type Consul from 'consul';
import { consulConnections, type ConsulConnection, type ConsulConnectionOptions } from '../discovery/consul-connection.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { StatusArguments } from './cli-arguments.js';
import { CliFailure } from './cli-failure.js';
import { requireRegistered, serviceEntries } from './consul-service-query.js';
import { renderReport } from './render-report.js';
import { serviceReport, type ServiceReport } from './service-report.js';

/** Where the command writes: the process's streams, or a test's. */
export interface Output {
  write(text: string): unknown;
}

/** A blocking query's wait: long, so a quiet service costs Consul little; changes still arrive at once. */
const watchWaitMs = 30_000;
const retryAfterErrorMs = 1_000;

/**
 * `proxyless status <service>`: what Consul holds for the service and what a client would make of it,
 * once, or — with `--watch` — again each time it changes, until `signal` aborts.
 */
export async function statusCommand(args: StatusArguments, stdout: Output, stderr: Output, signal: AbortSignal): Promise<void> {
  const connection = connectionFor(args.consul);
  const client = connection.createClient();
  try {
    const first = await serviceEntries(client, connection.address, args.service);
    if (first.entries.length === 0) await requireRegistered(client, connection.address, args.service);
    const shown = serviceReport(args.service, connection.address, first.entries);
    print(shown, args.json, stdout);
    if (args.watch) await watch(client, connection.address, args, first.index, shown, stdout, stderr, signal);
  } finally {
    connection.releaseClient(client);
  }
}

async function watch(
  client: Consul,
  address: string,
  args: StatusArguments,
  startIndex: string,
  first: ServiceReport,
  stdout: Output,
  stderr: Output,
  signal: AbortSignal,
): Promise<void> {
  let index = startIndex;
  let shown = JSON.stringify(first);
  let failing = false;
  while (!signal.aborted) {
    try {
      const answer = await serviceEntries(client, address, args.service, { index, waitMs: watchWaitMs, signal });
      if (signal.aborted) return;
      // An index that went backwards (a restarted agent) starts over, as discovery does.
      index = BigInt(answer.index) < BigInt(index) ? '0' : answer.index;
      if (failing) stderr.write(`proxyless: Consul at ${address} answers again\n`);
      failing = false;
      const report = serviceReport(args.service, address, answer.entries);
      const json = JSON.stringify(report);
      if (json === shown) continue;
      shown = json;
      if (!args.json) stdout.write(`\n— ${new Date().toISOString()}\n`);
      print(report, args.json, stdout);
    } catch (error) {
      if (signal.aborted) return;
      if (!failing) stderr.write(`proxyless: ${(error as Error).message}; retrying\n`);
      failing = true;
      index = '0';
      await new Promise((resolve) => setTimeout(resolve, retryAfterErrorMs));
    }
  }
}

function print(report: ServiceReport, json: boolean, stdout: Output): void {
  stdout.write(json ? `${JSON.stringify(report)}\n` : renderReport(report));
}

/** The agent to ask: `--consul` (host:port, http://…, https://…), else what the environment says. */
function connectionFor(flag: string | undefined): ConsulConnection {
  try {
    return consulConnections(flag === undefined ? undefined : consulAddress(flag), '--consul')[0] as ConsulConnection;
  } catch (error) {
    if (error instanceof InvalidOptionError || error instanceof CliFailure) throw new CliFailure(error.message.replace(/^proxyless: /, ''), 2);
    throw error;
  }
}

function consulAddress(flag: string): ConsulConnectionOptions {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(flag) ? flag : `http://${flag}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliFailure(`--consul must be host:port or http(s)://host:port; got "${flag}"`, 2);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw new CliFailure(`--consul must be host:port or http(s)://host:port; got "${flag}"`, 2);
  }
  const secure = url.protocol === 'https:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 8500) : Number(url.port),
    secure,
  };
}
