// The packed package's types, as a user's compiler resolves them: a consumer project (test/package/consumer)
// type-checked with `tsc` under each `moduleResolution` a TypeScript project may use — node10 (NestJS's default,
// which ignores `exports`), node16 (both an ES module and a CommonJS file) and bundler — importing every entry
// point in package.json's `exports`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { entryPoints } from '../../scripts/entry-points.mjs';
import { installPackedPackage, type InstalledPackage } from '../support/packed-package.js';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const consumer = new URL('consumer/uses-proxyless.ts', import.meta.url);

/** Every entry point, imported under its specifier, so that a new one is checked without editing the consumer. */
const everyEntryPoint = [
  ...entryPoints().map(({ subpath }, index) => `import * as entry${index} from '${subpath === '.' ? 'proxyless' : `proxyless/${subpath.slice(2)}`}';`),
  `export const entryPoints = [${entryPoints().map((_, index) => `entry${index}`).join(', ')}];`,
  '',
].join('\n');

const resolutions = {
  node10: { module: 'commonjs', extensions: ['.ts'] },
  node16: { module: 'node16', extensions: ['.mts', '.cts'] },
  bundler: { module: 'esnext', extensions: ['.ts'] },
} as const;

describe('types of every entry point resolve and check in a consumer project', { timeout: 180_000 }, () => {
  let installed: InstalledPackage;

  before(() => {
    installed = installPackedPackage();
  });

  after(() => installed?.remove());

  for (const [moduleResolution, { module, extensions }] of Object.entries(resolutions)) {
    test(`moduleResolution ${moduleResolution}`, () => {
      const dir = join(installed.dir, moduleResolution);
      const files = extensions.flatMap((extension) => [`uses-proxyless${extension}`, `every-entry-point${extension}`]);
      mkdirSync(dir);
      for (const extension of extensions) {
        copyFileSync(consumer, join(dir, `uses-proxyless${extension}`));
        writeFileSync(join(dir, `every-entry-point${extension}`), everyEntryPoint);
      }
      const compilerOptions = {
        module,
        moduleResolution,
        target: 'es2022',
        lib: ['es2022'],
        types: ['node'],
        strict: true,
        esModuleInterop: true,
        // The package's own declarations are checked too, under the consumer's settings.
        skipLibCheck: false,
        noEmit: true,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
      try {
        execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 90_000 });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`tsc under moduleResolution ${moduleResolution} failed:\n${stdout ?? ''}${stderr ?? ''}`);
      }
    });
  }
});
