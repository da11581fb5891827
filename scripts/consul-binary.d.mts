// Types of scripts/consul-binary.mjs for the TypeScript test fixtures that import it.

/** Absolute path of a runnable consul binary: $CONSUL_BIN, PATH, the cache, else Consul 1.8.7 fetched into it. */
export function consulBinary(): Promise<string>;

/** The cache directory of the fetched binary (outside the repository). */
export function cacheDir(): string;

/** The machine's own Debian mirror, as its apt sources name it. */
export function debianMirror(): { uri: string; signedBy: string | undefined };
