import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { balancerBinaries } from '../../scripts/balancers.mjs';
import { freePort } from '../../test/support/free-port.js';
import { spawnProgram } from './processes.js';

export type CentralKind = 'nginx' | 'haproxy';
export type CentralPolicy = 'round-robin' | 'least-connections';

export interface CentralBalancer {
  /** `nginx round-robin`, `haproxy least-connections`, … */
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * nginx or HAProxy on loopback in front of `upstreams`, configured as their guides advise for a keep-alive
 * HTTP/1.1 backend: one worker (one thread), connections to the instances kept alive and reused, and a failed
 * connection sent to the next instance (nginx's `proxy_next_upstream error`, HAProxy's `redispatch`). nginx
 * marks an instance failed for 10 s after a failure (its passive check, `max_fails=1 fail_timeout=10s`);
 * HAProxy has no passive check without active ones, and none are configured.
 */
export async function startCentralBalancer(kind: CentralKind, policy: CentralPolicy, upstreams: readonly number[]): Promise<CentralBalancer> {
  const { nginx, haproxy, env } = await balancerBinaries();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `proxyless-${kind}-`));
  const config = join(dir, `${kind}.conf`);
  let program: ReturnType<typeof spawnProgram>;
  if (kind === 'nginx') {
    writeFileSync(config, nginxConfig(port, policy, upstreams, dir));
    program = spawnProgram(nginx, ['-e', join(dir, 'error.log'), '-p', dir, '-c', config], env);
  } else {
    writeFileSync(config, haproxyConfig(port, policy, upstreams));
    program = spawnProgram(haproxy, ['-db', '-f', config], env);
  }
  await listening(port, 5_000);
  return {
    name: `${kind} ${policy}`,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await program.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nginxConfig(port: number, policy: CentralPolicy, upstreams: readonly number[], dir: string): string {
  return `daemon off;
master_process off;
error_log ${join(dir, 'error.log')} crit;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  upstream instances {
    ${policy === 'least-connections' ? 'least_conn;' : ''}
${upstreams.map((upstream) => `    server 127.0.0.1:${upstream} max_fails=1 fail_timeout=10s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location / {
      proxy_pass http://instances;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

function haproxyConfig(port: number, policy: CentralPolicy, upstreams: readonly number[]): string {
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  http-reuse always
  retries 1
  option redispatch
frontend callers
  bind 127.0.0.1:${port}
  default_backend instances
backend instances
  balance ${policy === 'least-connections' ? 'leastconn' : 'roundrobin'}
${upstreams.map((upstream, index) => `  server i${index} 127.0.0.1:${upstream}`).join('\n')}
`;
}

/** Resolves once something accepts connections on `port`. */
async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
