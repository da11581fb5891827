// TypeDoc's configuration: the API reference of every entry point in package.json's `exports`.
import { entryPoints } from './scripts/entry-points.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: entryPoints().map((entry) => `lib/${entry.path}.ts`),
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  name: 'proxyless',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: false,
  },
  treatWarningsAsErrors: true,
  disableSources: true,
  intentionallyNotExported: ['ConsulDiscoveryInternals'],
};
