// The package's entry points, read from the one list that defines them: package.json's `exports`.
//
// Every subpath has the same shape, so adding one (`./express`) is one entry there and nothing else:
//
//   "./express": {
//     "import":  { "types": "./dist/esm/express/index.d.ts", "default": "./dist/esm/express/index.js" },
//     "require": { "types": "./dist/cjs/express/index.d.ts", "default": "./dist/cjs/express/index.js" }
//   }
//
// `dist/cjs/<path>.js` is compiled from `lib/<path>.ts` and is the implementation; `dist/esm/<path>.js` is a
// wrapper the build generates, re-exporting it by name (see build.mjs). The build, `typesVersions` (a
// wildcard) and the package tests all follow this list.
import { readFileSync } from 'node:fs';

/**
 * @typedef {object} EntryPoint
 * @property {string} subpath  the specifier's tail as in `exports`: `.`, `./simulator`
 * @property {string} path     the module's path under lib/ and dist/{cjs,esm}/, without extension: `index`, `simulator/index`
 * @property {string} cjs      `./dist/cjs/<path>.js`
 * @property {string} esm      `./dist/esm/<path>.js`
 * @property {string} cjsTypes `./dist/cjs/<path>.d.ts`
 * @property {string} esmTypes `./dist/esm/<path>.d.ts`
 */

/** @returns {EntryPoint[]} the entries of `exports` in `packageJsonPath`, `./package.json` aside. */
export function entryPoints(packageJsonPath = new URL('../package.json', import.meta.url)) {
  const { exports } = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
  return Object.entries(exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const path = /^\.\/dist\/cjs\/(.+)\.js$/.exec(target?.require?.default ?? '')?.[1] ?? '<path>';
      const entry = {
        subpath,
        path,
        cjs: `./dist/cjs/${path}.js`,
        esm: `./dist/esm/${path}.js`,
        cjsTypes: `./dist/cjs/${path}.d.ts`,
        esmTypes: `./dist/esm/${path}.d.ts`,
      };
      const expected = {
        import: { types: entry.esmTypes, default: entry.esm },
        require: { types: entry.cjsTypes, default: entry.cjs },
      };
      if (JSON.stringify(target) !== JSON.stringify(expected)) {
        throw new Error(
          `package.json exports["${subpath}"] must have the shape of every entry point, ` +
            `${JSON.stringify(expected)}, with <path> its module under lib/ ` +
            `(such as "express/index"); got ${JSON.stringify(target)}`,
        );
      }
      // `typesVersions` maps `proxyless/<name>` to `dist/cjs/<name>` for TypeScript's node10 resolution, which
      // knows no `exports`: a subpath must be named as its module is.
      const name = subpath === '.' ? '' : subpath.slice(2);
      if (path !== `${name}/index`.replace(/^\//, '') && path !== name) {
        throw new Error(
          `package.json exports["${subpath}"] must point at dist/cjs/${name ? `${name}/` : ''}index.js ` +
            `(or dist/cjs/${name}.js), so that typesVersions finds its types; got ${target.require.default}`,
        );
      }
      return entry;
    });
}
