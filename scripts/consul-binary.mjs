// Finds a runnable Consul binary for the integration tests, fetching one if the machine has none.
//
// Order: $CONSUL_BIN, then `consul` on PATH, then the cache, then a fetch into the cache. The cache is outside
// the repository (${PROXYLESS_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/proxyless}/consul-1.8.7/) so every later
// run reuses it. The fetch takes Debian bullseye's `consul` package (1.8.7; bookworm ships none) from the
// mirror this machine's apt is already configured with, using a private apt state inside the cache: nothing
// system-wide changes, and no host name is written here.
//
// Usage as a module: `import { consulBinary } from './consul-binary.mjs'; const path = await consulBinary();`
// Usage as a CLI:    `node scripts/consul-binary.mjs` prints the path (exit 1 with a reason on failure).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, isExecutable } from './executables.mjs';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CONSUL_VERSION = '1.8.7';
const DEBIAN_SUITE = 'bullseye';
/** A fetch takes seconds; a lock older than this belongs to a process that died while holding it. */
const STALE_LOCK_MS = 5 * 60_000;
const LOCK_WAIT_MS = 3 * 60_000;
/** Ends every failure's message: what a machine this script cannot fetch Consul on (macOS, non-Debian) needs. */
const HOW_TO_PROVIDE = 'Install Consul and put `consul` on PATH, or set CONSUL_BIN to a consul binary (CONSUL_BIN=/path/to/consul npm test).';

export function cacheDir() {
  const base =
    process.env.PROXYLESS_CACHE_DIR ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'proxyless');
  return resolve(base, `consul-${CONSUL_VERSION}`);
}

/** Absolute path of a runnable consul binary; fetches Consul 1.8.7 into the cache if nothing else is found. */
export async function consulBinary() {
  if (process.env.CONSUL_BIN) {
    const given = resolve(process.env.CONSUL_BIN);
    if (!isExecutable(given)) throw new Error(`CONSUL_BIN=${process.env.CONSUL_BIN} is not an executable file`);
    return given;
  }
  const onPath = findOnPath('consul');
  if (onPath) return onPath;

  const dir = cacheDir();
  const cached = join(dir, 'root', 'usr', 'bin', 'consul');
  if (isExecutable(cached)) return cached;

  const missing = ['apt-get', 'dpkg-deb'].filter((tool) => !findOnPath(tool));
  if (missing.length > 0) {
    throw new Error(
      `no Consul found (CONSUL_BIN is not set, PATH has no consul) and none can be fetched: this machine has no ` +
        `${missing.join(' and no ')} to fetch Debian's consul ${CONSUL_VERSION} package with. ${HOW_TO_PROVIDE}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'fetch.lock');
  await acquireLock(lock);
  try {
    // Another process may have finished the fetch while this one waited for the lock.
    if (isExecutable(cached)) return cached;
    await fetchInto(dir).catch((error) => {
      throw new Error(`could not fetch Consul ${CONSUL_VERSION}: ${error.message}. ${HOW_TO_PROVIDE}`, { cause: error });
    });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  if (!isExecutable(cached)) throw new Error(`the fetched package has no ${cached}`);
  return cached;
}


/** A directory is created atomically or not at all, so it serves as a lock between processes. */
async function acquireLock(lock) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    try {
      const { mtimeMs } = await stat(lock);
      if (Date.now() - mtimeMs > STALE_LOCK_MS) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
    } catch {
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${LOCK_WAIT_MS / 1000} s for ${lock}; remove it if no fetch is running`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}

/**
 * The machine's Debian mirror: the first `deb` entry for a release suite (not `-security`), from the deb822
 * files of sources.list.d, else from the one-line format of sources.list.
 */
export function debianMirror() {
  const partsDir = '/etc/apt/sources.list.d';
  const files = existsSync(partsDir) ? readdirSync(partsDir).filter((f) => f.endsWith('.sources')).sort() : [];
  for (const file of files) {
    for (const stanza of readFileSync(join(partsDir, file), 'utf8').split(/\n\s*\n/)) {
      const fields = parseDeb822(stanza);
      const types = (fields.get('types') || '').split(/\s+/);
      const suites = (fields.get('suites') || '').split(/\s+/).filter(Boolean);
      const uri = (fields.get('uris') || '').split(/\s+/).filter(Boolean)[0];
      if (fields.get('enabled') === 'no' || !types.includes('deb') || !uri) continue;
      if (suites.length === 0 || suites.some((s) => s.includes('-security') || s.includes('/'))) continue;
      return { uri, signedBy: fields.get('signed-by') };
    }
  }
  const list = '/etc/apt/sources.list';
  if (existsSync(list)) {
    for (const raw of readFileSync(list, 'utf8').split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (!match || match[3].includes('-security') || match[3].includes('/')) continue;
      const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(match[1] || '')?.[1];
      return { uri: match[2], signedBy };
    }
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list');
}

function parseDeb822(stanza) {
  const fields = new Map();
  let last;
  for (const line of stanza.split('\n')) {
    if (line.startsWith('#')) continue;
    if (/^\s/.test(line) && last) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

async function fetchInto(dir) {
  const { uri, signedBy } = debianMirror();
  const state = join(dir, 'apt');
  rmSync(state, { recursive: true, force: true });
  for (const sub of ['lists/partial', 'cache/archives/partial', 'state']) mkdirSync(join(state, sub), { recursive: true });
  const sourceList = join(state, 'sources.list');
  const options = signedBy ? `[signed-by=${signedBy}] ` : '';
  writeFileSync(sourceList, `deb ${options}${uri} ${DEBIAN_SUITE} main\n`);
  writeFileSync(join(state, 'state', 'status'), '');
  const apt = [
    '-o', `Dir::Etc::SourceList=${sourceList}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State=${join(state, 'state')}`,
    '-o', `Dir::State::Lists=${join(state, 'lists')}`,
    '-o', `Dir::State::status=${join(state, 'state', 'status')}`,
    '-o', `Dir::Cache=${join(state, 'cache')}`,
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
  await step('apt-get update', 'apt-get', ['-q', ...apt, 'update'], {});
  const download = join(dir, 'download');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download);
  await step('apt-get download consul', 'apt-get', ['-q', ...apt, 'download', 'consul'], { cwd: download });
  const deb = readdirSync(download).find((f) => f.startsWith('consul_') && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no consul_*.deb in ${download}`);
  // Unpacked beside the final directory, then renamed into place, so a reader never sees half a tree.
  const unpacking = join(dir, `root.${process.pid}`);
  rmSync(unpacking, { recursive: true, force: true });
  await step('dpkg-deb -x', 'dpkg-deb', ['-x', join(download, deb), unpacking], {});
  const binary = join(unpacking, 'usr', 'bin', 'consul');
  const { stdout } = await step('consul version', binary, ['version'], {});
  if (!stdout.includes(`Consul v${CONSUL_VERSION}`)) {
    throw new Error(`expected Consul v${CONSUL_VERSION} from ${deb}, got: ${stdout.split('\n')[0]}`);
  }
  rmSync(join(dir, 'root'), { recursive: true, force: true });
  renameSync(unpacking, join(dir, 'root'));
  // The package indexes (~17 MB) are needed again only if the binary is lost; it is cheaper to refetch them.
  rmSync(download, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
}

async function step(what, file, args, options) {
  try {
    return await run(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stderr || ''}${error.stdout || ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(`${what} failed (${error.message.split('\n')[0]})${output ? `:\n${output}` : ''}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  consulBinary().then(
    (path) => console.log(path),
    (error) => {
      console.error(`consul-binary: ${error.message}`);
      process.exit(1);
    },
  );
}
