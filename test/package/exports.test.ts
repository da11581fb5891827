// The packed package as users load it: ESM `import` and CommonJS `require` of every entry point in
// package.json's `exports`, in a project that installed the tarball. `npm test` builds dist/ before the tests run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { entryPoints } from '../../scripts/entry-points.mjs';
import { freePort } from '../support/free-port.js';
import { installPackedPackage, type InstalledPackage } from '../support/packed-package.js';

const specifiers = entryPoints().map(({ subpath }) => (subpath === '.' ? 'proxyless' : `proxyless/${subpath.slice(2)}`));

// Node 20.19 and later load an ES module through `require`; the package must not depend on it, since earlier
// Node 20 releases cannot.
const withoutRequireOfEsm = process.features.require_module === undefined ? [] : ['--no-experimental-require-module'];

describe('the installed package', { timeout: 90_000 }, () => {
  let installed: InstalledPackage;

  before(() => {
    installed = installPackedPackage();
  });

  after(() => installed?.remove());

  function run(script: string, args: string[] = []): unknown {
    const file = join(installed.dir, 'probe.mjs');
    writeFileSync(file, script);
    const output = execFileSync(process.execPath, [...withoutRequireOfEsm, file, ...args], {
      cwd: installed.dir,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return JSON.parse(output);
  }

  test('import and require load every entry point with the same names', () => {
    const names = run(`
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const names = {};
      for (const specifier of ${JSON.stringify(specifiers)}) {
        names[specifier] = { imported: Object.keys(await import(specifier)).sort(), required: Object.keys(require(specifier)).sort() };
      }
      console.log(JSON.stringify(names));
    `) as Record<string, { imported: string[]; required: string[] }>;
    assert.deepEqual(Object.keys(names), specifiers);
    for (const [specifier, { imported, required }] of Object.entries(names)) {
      assert.ok(required.length > 0, `${specifier} exports nothing`);
      assert.deepEqual(imported, required, specifier);
    }
    for (const name of ['createClient', 'createPicker', 'staticDiscovery', 'ConsulDiscovery', 'compose', 'byTag', 'pickerNames', 'ProxylessError', 'InvalidOptionError']) {
      assert.ok(names.proxyless!.required.includes(name), `proxyless exports ${name}`);
    }
    assert.ok(names['proxyless/simulator']!.required.includes('simulate'), 'proxyless/simulator exports simulate');
  });

  test('import and require in one process share one implementation: the same classes, errors and module state', async () => {
    const result = run(
      `
      import { createRequire } from 'node:module';
      import { dirname, join } from 'node:path';
      const require = createRequire(import.meta.url);
      const consul = { host: '127.0.0.1', port: Number(process.argv[2]) };

      const identical = {};
      for (const specifier of ${JSON.stringify(specifiers)}) {
        const imported = await import(specifier);
        const required = require(specifier);
        identical[specifier] = Object.keys(required).every((name) => imported[name] === required[name]);
      }

      const esm = await import('proxyless');
      const cjs = require('proxyless');
      const thrown = (createClient) => { try { createClient({ service: 'users', picker: 'nope' }); } catch (error) { return error; } };
      const fromRequire = thrown(cjs.createClient);
      const fromImport = thrown(esm.createClient);

      // Two clients of one Consul query share one watch, through whichever module system each was loaded.
      const registry = require(join(dirname(require.resolve('proxyless')), 'discovery', 'consul-watch-registry.js')).consulWatchRegistry;
      const observer = () => ({ onInstances() {}, onError() {} });
      const subscriptions = [
        esm.consulDiscovery({ service: 'users', consul }).subscribe(observer()),
        cjs.consulDiscovery({ service: 'users', consul }).subscribe(observer()),
      ];
      const watches = registry.watches().map((watch) => watch.observers);
      for (const subscription of subscriptions) subscription.close();

      console.log(JSON.stringify({
        identical,
        requiredErrorIsImportedClass: [fromRequire instanceof esm.InvalidOptionError, fromRequire instanceof esm.ProxylessError],
        importedErrorIsRequiredClass: [fromImport instanceof cjs.InvalidOptionError, fromImport instanceof cjs.ProxylessError],
        codes: [fromRequire.code, fromImport.code],
        watches,
        watchesAfterClose: registry.watches().length,
      }));
    `,
      [String(await freePort())],
    );
    assert.deepEqual(result, {
      identical: Object.fromEntries(specifiers.map((specifier) => [specifier, true])),
      requiredErrorIsImportedClass: [true, true],
      importedErrorIsRequiredClass: [true, true],
      codes: ['ERR_PROXYLESS_INVALID_OPTION', 'ERR_PROXYLESS_INVALID_OPTION'],
      watches: [2],
      watchesAfterClose: 0,
    });
  });
});
