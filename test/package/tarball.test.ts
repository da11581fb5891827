// What `npm pack` puts in the tarball: what a user needs, nothing of the project's own tooling, and no source
// map pointing at a source that is not shipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { entryPoints } from '../../scripts/entry-points.mjs';
import { packedFiles, repositoryRoot } from '../support/packed-package.js';

test('the tarball holds every entry point, the licence and the docs a user reads, and nothing else of the repository', { timeout: 60_000 }, () => {
  const files = packedFiles();
  const manifest = JSON.parse(readFileSync(`${repositoryRoot}/package.json`, 'utf8')) as { main: string; types: string };

  const needed = [
    'package.json',
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'dist/cjs/package.json',
    manifest.main,
    manifest.types,
    ...entryPoints().flatMap((entry) => [entry.cjs, entry.esm, entry.cjsTypes, entry.esmTypes]),
  ].map((path) => path.replace(/^\.\//, ''));
  assert.deepEqual(needed.filter((path) => !files.includes(path)), [], 'files missing from the tarball');

  const outside = files.filter((path) => !path.startsWith('dist/') && !['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md'].includes(path));
  assert.deepEqual(outside, [], 'files from outside dist/: test/, bench/, scripts/, lib/, …');
  assert.deepEqual(files.filter((path) => path.endsWith('.map')), [], 'source maps would point at lib/, which is not shipped');
});
