// The built package as users load it: ESM `import` and CommonJS `require`, the root and the
// simulator subpath, each resolved through package.json's `exports` map (the package imports itself
// by name). `npm test` builds dist/ before the tests run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

const probe = `
  const names = ['createClient', 'createPicker', 'staticDiscovery', 'ConsulDiscovery', 'compose', 'byTag',
    'InvalidOptionError', 'AbsoluteUrlError', 'NoHealthyInstancesError', 'DiscoveryTimeoutError'];
  const missing = names.filter((name) => typeof api[name] !== 'function');
  let code;
  try { api.createClient({}); } catch (error) { code = error.code; }
  console.log(JSON.stringify({ missing, code, simulate: typeof sim.simulate, pickers: api.pickerNames.length }));
`;

test('dist/ is built with declarations for both module systems', () => {
  for (const file of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']) {
    assert.ok(existsSync(new URL(file, root)), `${file} is missing: run \`npm run build\` first`);
  }
});

test('ESM: import from "proxyless" and "proxyless/simulator"', () => {
  const output = run([
    '--input-type=module',
    '-e',
    `import * as api from 'proxyless'; import * as sim from 'proxyless/simulator'; ${probe}`,
  ]);
  assert.deepEqual(JSON.parse(output), { missing: [], code: 'ERR_PROXYLESS_INVALID_OPTION', simulate: 'function', pickers: 7 });
});

test('CommonJS: require("proxyless") and require("proxyless/simulator")', () => {
  const output = run(['-e', `const api = require('proxyless'); const sim = require('proxyless/simulator'); ${probe}`]);
  assert.deepEqual(JSON.parse(output), { missing: [], code: 'ERR_PROXYLESS_INVALID_OPTION', simulate: 'function', pickers: 7 });
});

test('an error thrown by the CommonJS build is an instance of the class it exports', () => {
  const output = run([
    '-e',
    `const { createClient, InvalidOptionError, ProxylessError } = require('proxyless');
     try { createClient({ service: 'users', picker: 'nope' }); } catch (e) {
       console.log(JSON.stringify([e instanceof InvalidOptionError, e instanceof ProxylessError, e.option]));
     }`,
  ]);
  assert.deepEqual(JSON.parse(output), [true, true, 'picker']);
});
