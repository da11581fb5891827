// Types of scripts/entry-points.mjs for the package tests that import it.

/** One entry of package.json's `exports`, with the files it names. */
export interface EntryPoint {
  /** The specifier's tail as in `exports`: `.`, `./simulator`. */
  readonly subpath: string;
  /** The module's path under lib/ and dist/{cjs,esm}/, without extension: `index`, `simulator/index`. */
  readonly path: string;
  readonly cjs: string;
  readonly esm: string;
  readonly cjsTypes: string;
  readonly esmTypes: string;
}

/** The entries of `exports` in package.json (or the one given), `./package.json` aside. */
export function entryPoints(packageJsonPath?: string | URL): EntryPoint[];
