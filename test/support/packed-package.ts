// The package as a user installs it: `npm pack`'s tarball unpacked into a fresh project's node_modules, beside
// the packages it needs (its dependencies, axios as the user's own, @types), linked from this repository's
// node_modules so that nothing is fetched. Code run or type-checked in `dir` sees only what the tarball holds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface InstalledPackage {
  /** A project directory whose node_modules holds the packed proxyless. */
  readonly dir: string;
  remove(): void;
}

/** Files `npm pack` would put in the tarball, as paths relative to the package root. */
export function packedFiles(): string[] {
  const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], repositoryRoot)) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path).sort();
}

export function installPackedPackage(): InstalledPackage {
  if (!existsSync(join(repositoryRoot, 'dist', 'cjs', 'index.js'))) {
    throw new Error('dist/ is not built: run `npm run build` first');
  }
  const dir = mkdtempSync(join(tmpdir(), 'proxyless-consumer-'));
  try {
    const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], repositoryRoot)) as [{ filename: string }];
    const installed = join(dir, 'node_modules', 'proxyless');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, pack.filename), '-C', installed, '--strip-components=1'], { timeout: 30_000 });
    const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const name of [...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }), '@types']) {
      const link = join(dir, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true }); // a scoped package (@opentelemetry/api) lives one level down
      symlinkSync(join(repositoryRoot, 'node_modules', name), link, 'dir');
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}
