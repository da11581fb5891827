// Runs the browser tests (test/**/*.browser.ts) in real headless Chromium, apart from the fast run of
// scripts/run-tests.mjs; `npm test` runs both. Chromium is found or installed once, up front.
// Usage: node scripts/run-browser-tests.mjs [path-fragment ...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumBinary } from './browser.mjs';

function browserTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' ? [] : browserTests(path);
    return entry.name.endsWith('.browser.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = browserTests('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no browser test matches ${filters.join(', ')}`);
  process.exit(1);
}
try {
  process.env.CHROMIUM_BIN = await chromiumBinary();
} catch (error) {
  console.error(`scripts/run-browser-tests.mjs: ${error.message}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=120000', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
