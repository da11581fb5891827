#!/usr/bin/env node
// The `proxyless` command (package.json `bin`): `npx proxyless status <service> [--consul host:port] [--watch] [--json]`.
import { runCli } from './run-cli.js';

const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());
runCli(process.argv.slice(2), process.stdout, process.stderr, interrupted.signal).then(
  (status) => {
    process.exitCode = status;
    // A watch interrupted mid-query may leave a socket behind; nothing is left to wait for.
    if (interrupted.signal.aborted) process.exit(status);
  },
  (error: unknown) => {
    process.stderr.write(`proxyless: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
