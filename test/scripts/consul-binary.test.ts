// scripts/consul-binary.mjs where it cannot fetch Consul (macOS, a Linux without apt): one message saying how
// to provide it, not a spawn error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

test('without consul, CONSUL_BIN or apt-get, the script says how to provide Consul and creates nothing', () => {
  const empty = mkdtempSync(join(tmpdir(), 'proxyless-no-apt-'));
  try {
    const { CONSUL_BIN: _, ...environment } = process.env;
    const result = spawnSync(process.execPath, ['scripts/consul-binary.mjs'], {
      cwd: new URL('../../', import.meta.url),
      // A PATH holding nothing at all: no consul, no apt-get, no dpkg-deb.
      env: { ...environment, PATH: empty, PROXYLESS_CACHE_DIR: join(empty, 'cache') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^consul-binary: no Consul found .* no apt-get /);
    assert.match(lines[0]!, /put `consul` on PATH, or set CONSUL_BIN to a consul binary/);
    assert.doesNotMatch(result.stderr, /spawn|ENOENT|\n\s+at /);
    assert.deepEqual(readdirSync(empty), []);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
