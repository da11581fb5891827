import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DiscoverySnapshotError } from '../errors/discovery-snapshot-error.js';
import type { Instance } from './instance.js';

/**
 * The file of `discovery.snapshotPath`: the last set of instances known for one query, so that a client
 * started while Consul is unreachable can serve what it served before. It says which query it was written
 * for; a file for another service or query, or one that is not a whole snapshot, is refused rather than
 * used, since serving another service's instances would be worse than serving none.
 */

const FORMAT = 'proxyless-discovery-snapshot';
const VERSION = 1;

/** Which query a snapshot belongs to. */
export interface SnapshotQuery {
  readonly service: string;
  /** Equal for queries that select the same instances (`selectionKey`). */
  readonly selection: string;
  /** The query in words, for messages. */
  readonly description: string;
}

export interface SnapshotContent {
  readonly instances: readonly Instance[];
  /** When the set was written, ISO 8601. */
  readonly savedAt: string;
}

/**
 * Reads the snapshot at `path` for `query`. Resolves undefined when there is no file (a first start);
 * rejects with {@link DiscoverySnapshotError} when the file cannot be used.
 */
export async function readSnapshot(path: string, query: SnapshotQuery, source: string): Promise<SnapshotContent | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new DiscoverySnapshotError(source, path, `could not be read (${message(error)}); it is not used`, { cause: error });
  }
  const refuse = (why: string) => new DiscoverySnapshotError(source, path, `${why}; it is not used (delete it, or give each query its own snapshotPath)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(`is not valid JSON (${message(error)}), so it is not a snapshot or was cut short`);
  }
  if (!isRecord(parsed) || parsed.format !== FORMAT) throw refuse(`is not a proxyless discovery snapshot (no "format": "${FORMAT}")`);
  if (parsed.version !== VERSION) throw refuse(`has version ${JSON.stringify(parsed.version)}, and this proxyless reads version ${VERSION}`);
  if (parsed.service !== query.service) {
    throw refuse(`was written for service ${JSON.stringify(parsed.service)}, not "${query.service}"`);
  }
  if (parsed.selection !== query.selection) {
    const written = typeof parsed.query === 'string' ? parsed.query : 'another query';
    throw refuse(`was written for ${written}, not ${query.description}`);
  }
  if (typeof parsed.savedAt !== 'string' || !Array.isArray(parsed.instances)) throw refuse('is corrupt (no savedAt or instances)');
  const instances: Instance[] = [];
  for (const [position, item] of parsed.instances.entries()) {
    const instance = instanceOf(item);
    if (instance === undefined) throw refuse(`is corrupt: instances[${position}] is not a whole instance`);
    instances.push(instance);
  }
  return { instances: Object.freeze(instances), savedAt: parsed.savedAt };
}

/**
 * Writes a query's snapshots one at a time, atomically (a temporary file renamed over the old one, so a
 * reader never sees half a file), and only when the set differs from what the file holds.
 */
export class SnapshotWriter {
  readonly #path: string;
  readonly #query: SnapshotQuery;
  readonly #onError: (error: unknown) => void;
  /** The instances the file holds, as JSON; read from the file before the first write. */
  #written: string | undefined;
  #writing = false;
  #next: readonly Instance[] | undefined;

  constructor(path: string, query: SnapshotQuery, onError: (error: unknown) => void) {
    this.#path = path;
    this.#query = query;
    this.#onError = onError;
  }

  write(instances: readonly Instance[]): void {
    this.#next = instances;
    if (!this.#writing) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#next !== undefined) {
      const instances = this.#next;
      this.#next = undefined;
      const json = JSON.stringify(instances);
      this.#written ??= await this.#onDisk();
      if (json === this.#written) continue;
      const temporary = `${this.#path}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(this.#path), { recursive: true });
        const content = {
          format: FORMAT,
          version: VERSION,
          service: this.#query.service,
          selection: this.#query.selection,
          query: this.#query.description,
          savedAt: new Date().toISOString(),
          instances,
        };
        await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
        await rename(temporary, this.#path);
        this.#written = json;
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        this.#onError(error);
      }
    }
    this.#writing = false;
  }

  /** The instances of the snapshot on disk for this query, as JSON, or '' when there is none to keep. */
  async #onDisk(): Promise<string> {
    try {
      const content = await readSnapshot(this.#path, this.#query, '');
      return content === undefined ? '' : JSON.stringify(content.instances);
    } catch {
      return '';
    }
  }
}

function instanceOf(value: unknown): Instance | undefined {
  if (!isRecord(value) || !isRecord(value.node)) return undefined;
  const { id, service, host, port, origin, tags, meta, weight, health, node } = value;
  if (typeof id !== 'string' || id === '' || typeof service !== 'string' || typeof host !== 'string' || host === '') return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || typeof origin !== 'string') return undefined;
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string') || !isStringRecord(meta)) return undefined;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 1 || (health !== 'passing' && health !== 'warning')) return undefined;
  const { name, address, datacenter, meta: nodeMeta } = node;
  if (typeof name !== 'string' || typeof address !== 'string' || typeof datacenter !== 'string' || !isStringRecord(nodeMeta)) return undefined;
  return Object.freeze({
    id,
    service,
    host,
    port,
    origin,
    tags: Object.freeze([...(tags as string[])]),
    meta: Object.freeze({ ...meta }),
    weight,
    health,
    node: Object.freeze({ name, address, datacenter, meta: Object.freeze({ ...nodeMeta }) }),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
