// A port where connections hang: a listening socket that never accepts, its one-slot backlog filled,
// so the kernel drops further SYNs as it would for a host that vanished. Node accepts every
// connection by itself, so the listener is a tiny python3 process (python3 ships with the machine).
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { killAndWait, trackChildProcess } from './child-processes.js';

const LISTENER = `
import socket, sys
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  trackChildProcess(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`python3 is needed for the blackhole listener: ${error.message}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  // The one connection the backlog holds; every later one waits for an accept that never comes.
  const filler: Socket = await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
  return {
    port,
    async close() {
      filler.destroy();
      await killAndWait(child);
    },
  };
}
