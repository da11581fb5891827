// Finds Chromium for the browser tests, installing Debian's `chromium` package when the machine has none.
//
// Order: $CHROMIUM_BIN, then `chromium` (or `chromium-browser`) on PATH, then `apt-get update` and
// `apt-get install -y chromium` as root. Playwright's own browser download is never used: the tests drive
// this binary through playwright-core's `executablePath`.
//
// Usage as a module: `import { chromiumBinary, chromiumArgs } from './browser.mjs'`
// Usage as a CLI:    `node scripts/browser.mjs` prints the path (exit 1 with a reason on failure).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, isExecutable } from './executables.mjs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Flags that let Chromium start and stay quiet on a machine with no network but loopback: without the
 * background-networking ones it keeps trying hosts it cannot reach. Playwright adds `--headless` and a
 * fresh `--user-data-dir` of its own.
 */
export const chromiumArgs = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** Absolute path of a runnable Chromium; installs Debian's package if none is found. */
export async function chromiumBinary() {
  const found = findChromium();
  if (found) return found;
  await install();
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed chromium, but no chromium binary is on PATH afterwards');
  return installed;
}

function findChromium() {
  if (process.env.CHROMIUM_BIN) {
    const given = resolve(process.env.CHROMIUM_BIN);
    if (!isExecutable(given)) throw new Error(`CHROMIUM_BIN=${process.env.CHROMIUM_BIN} is not an executable file`);
    return given;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    const onPath = findOnPath(name);
    if (onPath) return onPath;
  }
  return undefined;
}

async function install() {
  if (!findOnPath('apt-get')) {
    throw new Error(
      'the browser tests need Chromium, and this machine has neither chromium nor apt-get: install Chromium and set CHROMIUM_BIN to its binary',
    );
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the browser tests need Chromium: run `sudo apt-get install -y chromium`, or set CHROMIUM_BIN to a Chromium binary');
  }
  console.error('chromium not found: installing Debian\'s chromium package (apt-get update, apt-get install -y chromium)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step('apt-get update', ['-q', 'update'], env);
  await step('apt-get install chromium', ['-q', 'install', '-y', '--no-install-recommends', 'chromium'], env);
}

async function step(what, args, env) {
  try {
    await run('apt-get', args, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stderr || ''}${error.stdout || ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(`${what} failed (exit ${error.code}):\n${output}`);
  }
}


if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  chromiumBinary().then(
    (path) => console.log(path),
    (error) => {
      console.error(`scripts/browser.mjs: ${error.message}`);
      process.exit(1);
    },
  );
}
