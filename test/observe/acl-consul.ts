// A real Consul dev agent with ACLs on (default deny), for the tests that check where the token goes.
import { spawn, type ChildProcess } from 'node:child_process';
import { consulBinary } from '../../scripts/consul-binary.mjs';
import { killAndWait, trackChildProcess } from '../support/child-processes.js';
import { freePorts } from '../support/free-port.js';

export interface AclConsul {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The management token (Consul 1.8's `master`). */
  readonly managementToken: string;
  stop(): Promise<void>;
}

export async function startAclConsul(managementToken: string): Promise<AclConsul> {
  const binary = await consulBinary();
  const [http, serfLan, serfWan, server] = (await freePorts(4)) as [number, number, number, number];
  const acl = `acl { enabled = true, default_policy = "deny", tokens { master = "${managementToken}" } }`;
  const child: ChildProcess = spawn(
    binary,
    ['agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', `-http-port=${http}`, `-serf-lan-port=${serfLan}`, `-serf-wan-port=${serfWan}`, `-server-port=${server}`, '-dns-port=-1', '-grpc-port=-1', '-hcl', acl],
    { stdio: 'ignore' },
  );
  trackChildProcess(child);
  const address = `127.0.0.1:${http}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`http://${address}/v1/status/leader`, { signal: AbortSignal.timeout(1000) });
      const leader: unknown = await response.json();
      if (typeof leader === 'string' && leader !== '') break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await killAndWait(child);
      throw new Error(`consul with ACLs at ${address} had no leader after 20 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { address, host: '127.0.0.1', port: http, managementToken, stop: () => killAndWait(child) };
}
