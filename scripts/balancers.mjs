// Finds nginx and HAProxy for the benchmarks that compare proxyless with a central balancer, fetching them if
// the machine has none.
//
// Order, for each: $NGINX_BIN / $HAPROXY_BIN, then `nginx` / `haproxy` on PATH, then the cache, then a fetch
// into the cache. The fetch takes this machine's own Debian packages (nginx, haproxy and the two libraries
// HAProxy links that a base system lacks) with `apt-get download` from the mirror its apt already uses, and
// unpacks them with `dpkg-deb -x` into the cache (${PROXYLESS_CACHE_DIR:-~/.cache/proxyless}/balancers/):
// nothing is installed system-wide, and no host name is written here.
//
// Usage as a module: `const { nginx, haproxy, env } = await balancerBinaries();` (run them with `env`)
// Usage as a CLI:    `node scripts/balancers.mjs` prints both paths.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findOnPath, isExecutable } from './executables.mjs';

const run = promisify(execFile);
const PACKAGES = ['nginx', 'haproxy', 'liblua5.3-0', 'libopentracing-c-wrapper0', 'libopentracing1'];

function cacheDir() {
  const base = process.env.PROXYLESS_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'proxyless');
  return resolve(base, 'balancers');
}

/** Paths of runnable nginx and haproxy binaries, and the environment to run them with (their libraries). */
export async function balancerBinaries() {
  const dir = cacheDir();
  const root = join(dir, 'root');
  const env = { ...process.env, LD_LIBRARY_PATH: [join(root, 'usr', 'lib', 'x86_64-linux-gnu'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const nginx = given('NGINX_BIN') ?? findOnPath('nginx') ?? cachedOr(join(root, 'usr', 'sbin', 'nginx'));
  const haproxy = given('HAPROXY_BIN') ?? findOnPath('haproxy') ?? cachedOr(join(root, 'usr', 'sbin', 'haproxy'));
  if (nginx !== undefined && haproxy !== undefined) return { nginx, haproxy, env };
  const missing = ['apt-get', 'dpkg-deb'].filter((tool) => !findOnPath(tool));
  if (missing.length > 0) {
    throw new Error(`nginx and haproxy are needed for this benchmark and cannot be fetched here (no ${missing.join(', no ')}): install both, or set NGINX_BIN and HAPROXY_BIN`);
  }
  await fetchInto(dir);
  return { nginx: nginx ?? join(root, 'usr', 'sbin', 'nginx'), haproxy: haproxy ?? join(root, 'usr', 'sbin', 'haproxy'), env };
}

function given(variable) {
  const value = process.env[variable];
  if (!value) return undefined;
  if (!isExecutable(resolve(value))) throw new Error(`${variable}=${value} is not an executable file`);
  return resolve(value);
}

function cachedOr(path) {
  return isExecutable(path) ? path : undefined;
}

async function fetchInto(dir) {
  const download = join(dir, `download.${process.pid}`);
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  try {
    await step(`apt-get download ${PACKAGES.join(' ')}`, 'apt-get', ['-q', 'download', ...PACKAGES], { cwd: download });
    // Unpacked beside the final directory, then renamed into place, so a reader never sees half a tree.
    const unpacking = join(dir, `root.${process.pid}`);
    rmSync(unpacking, { recursive: true, force: true });
    for (const deb of readdirSync(download).filter((file) => file.endsWith('.deb'))) {
      await step(`dpkg-deb -x ${deb}`, 'dpkg-deb', ['-x', join(download, deb), unpacking], {});
    }
    rmSync(join(dir, 'root'), { recursive: true, force: true });
    renameSync(unpacking, join(dir, 'root'));
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

async function step(what, command, args, options) {
  try {
    return await run(command, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stderr || ''}${error.stdout || ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(`${what} failed (exit ${error.code}):\n${output}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  balancerBinaries().then(
    ({ nginx, haproxy }) => console.log(`nginx ${nginx}\nhaproxy ${haproxy}`),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
