import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAndWait, trackChildProcess } from '../../test/support/child-processes.js';

/** A benchmark's helper process (an instance, a caller), given its config as JSON in `variable`. */
export function forkScript(script: URL, variable: string, config: object): ChildProcess {
  const child = fork(fileURLToPath(script), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [variable]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChildProcess(child);
  return child;
}

/** The first IPC message of `child`; rejects if it exits first. */
export function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it reported`)));
  });
}

export interface PlainInstance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts bench/support/plain-instance.ts in its own process. */
export async function startPlainInstance(name: string, delayMs = 0): Promise<PlainInstance> {
  const child = forkScript(new URL('./plain-instance.ts', import.meta.url), 'PLAIN_INSTANCE', { name, delayMs });
  const { port } = await firstMessage<{ port: number }>(child, `instance ${name}`);
  return { name, port, url: `http://127.0.0.1:${port}`, stop: () => killAndWait(child) };
}

/** A program of the machine's (nginx, haproxy), stopped with SIGKILL by `stop`. */
export function spawnProgram(command: string, args: readonly string[], env: NodeJS.ProcessEnv): { readonly child: ChildProcess; stop(): Promise<void> } {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  trackChildProcess(child);
  return { child, stop: () => killAndWait(child) };
}
