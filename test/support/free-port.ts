// A TCP port on 127.0.0.1 that nothing listens on right now, for servers a test starts.
import { createServer } from 'node:net';

/**
 * Asks the kernel for an ephemeral port and releases it. Another process could take it before the caller
 * binds it; the window is tiny and the ephemeral range large, which is good enough for tests.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
