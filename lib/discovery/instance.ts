/**
 * One running copy of a service that a request can be sent to.
 *
 * Instances are immutable snapshots: when Consul reports a change to an instance (new tags, a new
 * weight), discovery hands out a new object with the same `id`. Code that keeps per-instance state
 * (in-flight counts, latency averages, breakers) should key it by `id`, not by object identity.
 */
export interface Instance {
  /** Unique within its service: Consul's service ID (made unique with the node name if two nodes reuse one). */
  readonly id: string;
  /** The Consul service name this instance belongs to. */
  readonly service: string;
  /** Host name or IP address to connect to (the service address, else the node address). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (IPv6 hosts in brackets): where a request to this instance is sent. */
  readonly origin: string;
  readonly tags: readonly string[];
  /** Service meta from Consul. */
  readonly meta: Readonly<Record<string, string>>;
  /** Relative weight, at least 1: Consul's `Weights.Passing` (or `Weights.Warning` while the instance warns). */
  readonly weight: number;
  /** The worst state of the instance's health checks; only `passing` and `warning` instances are routable. */
  readonly health: 'passing' | 'warning';
  /** Where the instance runs, as Consul knows it. */
  readonly node: InstanceNode;
}

export interface InstanceNode {
  readonly name: string;
  readonly address: string;
  readonly datacenter: string;
  /** Node meta from Consul (often carries `zone` or `rack`). */
  readonly meta: Readonly<Record<string, string>>;
}
