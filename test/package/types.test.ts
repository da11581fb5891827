// The packed package's types, as a user's compiler resolves them: a consumer project (test/package/consumer)
// type-checked with `tsc` under each `moduleResolution` a TypeScript project may use — node10 (NestJS's default,
// which ignores `exports`), node16 (both an ES module and a CommonJS file) and bundler — importing every entry
// point in package.json's `exports`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
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

// node16 reads both declaration trees (dist/esm for .mts, dist/cjs for .cts) and checks them under the
// consumer's settings; the other two resolve to the same files, so they skip that (tripled) work.
const resolutions = {
  node10: { module: 'commonjs', extensions: ['.ts'], checkDeclarations: false },
  node16: { module: 'node16', extensions: ['.mts', '.cts'], checkDeclarations: true },
  bundler: { module: 'esnext', extensions: ['.ts'], checkDeclarations: false },
} as const;

// The three compilers run at once: on a busy machine each process gets its own share of the cores.
describe('types of every entry point resolve and check in a consumer project', { timeout: 110_000, concurrency: true }, () => {
  let installed: InstalledPackage;

  before(() => {
    installed = installPackedPackage();
  });

  after(() => installed?.remove());

  for (const [moduleResolution, { module, extensions, checkDeclarations }] of Object.entries(resolutions)) {
    test(`moduleResolution ${moduleResolution}`, async () => {
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
        skipLibCheck: !checkDeclarations,
        noEmit: true,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
      try {
        await promisify(execFile)(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 100_000 });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`tsc under moduleResolution ${moduleResolution} failed:\n${stdout ?? ''}${stderr ?? ''}`);
      }
    });
  }
});
