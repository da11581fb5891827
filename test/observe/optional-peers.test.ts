// The built package's observability entry points, as users load them, and the rule that the main entry
// never loads an optional peer dependency. `npm test` builds dist/ before the tests run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

test('ESM and CommonJS: "proxyless/prometheus" and "proxyless/opentelemetry" export their function', () => {
  const esm = run([
    '--input-type=module',
    '-e',
    `import { prometheusMetrics } from 'proxyless/prometheus'; import { openTelemetryTracing } from 'proxyless/opentelemetry';
     console.log(typeof prometheusMetrics, typeof openTelemetryTracing);`,
  ]);
  assert.equal(esm.trim(), 'function function');
  const cjs = run(['-e', `console.log(typeof require('proxyless/prometheus').prometheusMetrics, typeof require('proxyless/opentelemetry').openTelemetryTracing);`]);
  assert.equal(cjs.trim(), 'function function');
});

test('"proxyless" itself loads neither prom-client nor @opentelemetry/api, even when a client is created and its stats read', () => {
  const cjs = run([
    '-e',
    `const { createClient, staticDiscovery } = require('proxyless');
     const client = createClient({ service: 'users', discovery: staticDiscovery(['http://127.0.0.1:1']) });
     client.stats();
     client.close().then(() => console.log(JSON.stringify(Object.keys(require.cache).filter((p) => /prom-client|@opentelemetry/.test(p)))));`,
  ]);
  assert.deepEqual(JSON.parse(cjs), []);
  // ESM: a resolve hook that refuses the optional peers makes any import of them fail loudly.
  const refuse = `export async function resolve(specifier, context, next) {
    if (/^(prom-client|@opentelemetry)/.test(specifier)) throw new Error('loaded ' + specifier);
    return next(specifier, context);
  }`;
  const hook = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuse)}));`;
  const esm = run([
    '--import',
    `data:text/javascript,${encodeURIComponent(hook)}`,
    '--input-type=module',
    '-e',
    `import { createClient, staticDiscovery } from 'proxyless';
     const client = createClient({ service: 'users', discovery: staticDiscovery(['http://127.0.0.1:1']) });
     client.stats(); await client.close(); console.log('loaded nothing optional');`,
  ]);
  assert.equal(esm.trim(), 'loaded nothing optional');
});
