// Types of scripts/balancers.mjs for the benchmarks that import it.

/** Runnable nginx and haproxy binaries ($NGINX_BIN / $HAPROXY_BIN, PATH, the cache, else fetched into it), and the environment to run them with. */
export function balancerBinaries(): Promise<{ nginx: string; haproxy: string; env: NodeJS.ProcessEnv }>;
