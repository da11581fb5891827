import { DiscoveryError } from './discovery-error.js';

/**
 * The snapshot file of `discovery.snapshotPath` was refused (written for another service or query, not
 * a snapshot, corrupt) or could not be written. A refused snapshot is never used: the client waits for
 * Consul as it would without one.
 */
export class DiscoverySnapshotError extends DiscoveryError {
  override readonly code: string = 'ERR_PROXYLESS_DISCOVERY_SNAPSHOT';

  /**
   * @param source where instances come from
   * @param path the snapshot file
   * @param problem what is wrong with it and what to do
   */
  constructor(
    source: string,
    readonly path: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(source, `snapshot ${path}: ${problem}`, undefined, options);
  }
}
