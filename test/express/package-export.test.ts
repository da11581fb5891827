// `proxyless/express` as users load it from the built package, as ESM and as CommonJS — without express:
// the app and server a user passes in are all it touches. `npm test` builds dist/ before the tests run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);

function run(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 }));
}

const probe = `
  const names = ['register', 'RegistrationError', 'RegistrationTimeoutError', 'RegistrationCanceledError', 'InvalidOptionError', 'ProxylessError'];
  const missing = names.filter((name) => typeof api[name] !== 'function');
  const server = require('node:http').createServer();
  api.register(server, { service: 'users', check: { ttl: '10s', intervl: 1 } }).catch((error) => {
    const expressLoaded = Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]express[\\\\/]/.test(file));
    console.log(JSON.stringify({ missing, code: error.code, option: error.option, isProxylessError: error instanceof api.ProxylessError, expressLoaded }));
  });
`;

const expected = { missing: [], code: 'ERR_PROXYLESS_INVALID_OPTION', option: 'check.intervl', isProxylessError: true, expressLoaded: false };

test('CommonJS: require("proxyless/express") works and does not load express', () => {
  assert.deepEqual(run(['-e', `const api = require('proxyless/express'); ${probe}`]), expected);
});

test('ESM: import from "proxyless/express"', () => {
  const esm = `import * as api from 'proxyless/express'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${probe}`;
  const { expressLoaded: _, ...rest } = expected;
  const { expressLoaded: __, ...seen } = run(['--input-type=module', '-e', esm]) as typeof expected;
  assert.deepEqual(seen, rest);
});
