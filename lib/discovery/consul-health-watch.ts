import { systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { ConsulAclError } from '../errors/consul-acl-error.js';
import type { DiscoveryError } from '../errors/discovery-error.js';
import { DiscoverySnapshotError } from '../errors/discovery-snapshot-error.js';
import { aclCauseOfEmptyAnswer } from './consul-acl-diagnosis.js';
import type { ConsulAgent, ConsulAgents } from './consul-agents.js';
import { failureOfAnswer, failureOfError, type ConsulFailure, type FailedRequest } from './consul-failure.js';
import {
  emptySnapshot,
  nextInstanceSnapshot,
  snapshotOfInstances,
  type InstanceSnapshot,
} from './consul-health-entries.js';
import { describeSelection, healthQueryParameters, selectionKey, type ResolvedConsulQuery } from './consul-health-query.js';
import { requestCancel, type ConsulAnswer, type RequestCancel } from './consul-reader.js';
import { readSnapshot, SnapshotWriter, type SnapshotQuery } from './discovery-snapshot.js';
import type { DiscoveryObserver, DiscoveryStaleReason, DiscoveryStatus } from './discovery.js';
import { TokenBucket } from './token-bucket.js';

/**
 * One blocking-query loop on `/v1/health/service/<service>` that follows the instances of a service through
 * the Consul agent in use, and tells its observers when the set really changed and how far it can be
 * trusted.
 *
 * It differs from the `consul` package's own `watch` on purpose (see silas/node-consul#155, #72), and
 * follows Consul's rules for blocking queries:
 * - it never ends by itself: an HTTP error or an unreachable agent is reported and retried for ever; the
 *   next agent of the list is tried at once, and once every agent failed in a row, with exponential backoff
 *   and full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015);
 * - an index that goes backwards starts over from 0; a blocking query never uses an index below 1, which
 *   would return at once, for ever; and every call takes a token of a bucket (a burst, then one per
 *   interval), since a return is not a change (hashicorp/consul#1244) and churn among instances the query
 *   filters out moves the index too;
 * - blocking waits start short and double up to `waitMs`: an agent that keeps a blocking query running
 *   after its client went away (Consul 1.8 does, off its cache) then holds a closed watch's request for
 *   no longer than the watch had lived, so churning clients cannot fill its connection limit;
 * - it delivers only a set whose content changed, keeping the objects of unchanged instances; an error
 *   never empties the set, and neither does an empty answer right after a reconnect, for `emptyGraceMs`;
 * - a new observer learns at once what the others know: the set, a stale status, the error of a failing
 *   watch.
 */
export interface ConsulHealthWatchOptions {
  readonly agents: ConsulAgents;
  readonly service: string;
  readonly query: ResolvedConsulQuery;
  /** Where instances come from, for statuses: `consul at 127.0.0.1:8500, service "users"`. */
  readonly source: string;
  /** Longest time Consul may hold a blocking query open. Default 30 000 ms (Consul caps it at 10 minutes). */
  readonly waitMs?: number;
  /** The first blocking wait; each next one doubles, up to `waitMs`. Default 100 ms. */
  readonly firstWaitMs?: number;
  /** Calls that may follow each other at once. Default 5. */
  readonly burst?: number;
  /** Least time between calls once the burst is spent. Default 250 ms. */
  readonly refillMs?: number;
  /** First backoff ceiling once every agent failed; doubles per failure. Default 100 ms. */
  readonly backoffBaseMs?: number;
  /** Largest backoff. Default 5 000 ms. */
  readonly backoffMaxMs?: number;
  /** How long an answer may take beyond the wait (all of a non-blocking call). Default 5 000 ms. */
  readonly answerMarginMs?: number;
  /** How long start-up waits for Consul before reading `snapshotPath`. Default 2 000 ms. */
  readonly snapshotAfterMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly timers?: WatchTimers;
}

/** The timing knobs of a watch: for tests, not for users. */
export type ConsulWatchTuning = Omit<ConsulHealthWatchOptions, 'agents' | 'service' | 'query' | 'source'>;

/** The timer functions the watch sleeps with; injectable for tests. */
export interface WatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: WatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type StaleStatus = Extract<DiscoveryStatus, { state: 'stale' }>;

export class ConsulHealthWatch {
  readonly #options: ConsulHealthWatchOptions;
  readonly #parameters: Record<string, string | string[]>;
  readonly #observers = new Set<DiscoveryObserver>();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #timers: WatchTimers;
  readonly #bucket: TokenBucket;
  readonly #snapshotQuery: SnapshotQuery;
  readonly #writer: SnapshotWriter | undefined;
  /** The set last delivered. */
  #current: InstanceSnapshot | undefined;
  /** False while `#current` came from the snapshot file and Consul has not answered yet. */
  #currentIsLive = false;
  #status: StaleStatus | undefined;
  #lastError: DiscoveryError | undefined;
  /** The set is empty and the ACL token is the likely reason: each new answer asks again. */
  #aclEmpty = false;
  #holdTimer: unknown;
  #snapshotTimer: unknown;
  #snapshotTried = false;
  #lastWriteProblem: string | undefined;
  #failingSince: Date | undefined;
  #requests = 0;
  #started = false;
  #closed = false;
  #cancel: RequestCancel | undefined;
  #requestAgent: number | undefined;
  /** Set when the round under way was cut short on purpose; `reconnect` when on another agent. */
  #interrupted: { reconnect: boolean } | undefined;
  #reportingFailure = false;
  #sleepTimer: unknown;
  #wake: (() => void) | undefined;
  readonly #stopFollowingAgents: () => void;

  constructor(options: ConsulHealthWatchOptions) {
    this.#options = options;
    this.#parameters = healthQueryParameters(options.query);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#timers = options.timers ?? systemTimers;
    this.#bucket = new TokenBucket(options.burst ?? 5, options.refillMs ?? 250, this.#clock);
    this.#snapshotQuery = {
      service: options.service,
      selection: selectionKey(options.service, options.query),
      description: describeSelection(options.service, options.query),
    };
    const path = options.query.snapshotPath;
    this.#writer = path === undefined ? undefined : new SnapshotWriter(path, this.#snapshotQuery, (error) => this.#writeFailed(path, error));
    this.#stopFollowingAgents = options.agents.onChange((agent) => {
      // The round that reported a failure moved the agents itself and backs off as it should.
      if (!this.#reportingFailure && agent.position !== this.#requestAgent) this.#interrupt(true);
    });
  }

  get source(): string {
    return this.#options.source;
  }

  /** How many requests the loop has sent to Consul: for tests and diagnostics. */
  get requests(): number {
    return this.#requests;
  }

  /** The address of the agent in use. */
  get agent(): string {
    return this.#options.agents.inUse.connection.address;
  }

  get observerCount(): number {
    return this.#observers.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an observer; it learns at once (on a microtask) the current set, a stale status and a failure. */
  add(observer: DiscoveryObserver): void {
    if (this.#closed) throw new Error('proxyless: internal error: observer added to a closed Consul watch');
    this.#observers.add(observer);
    const current = this.#current;
    const status = this.#status;
    const error = this.#lastError;
    if (current !== undefined || status !== undefined || error !== undefined) {
      queueMicrotask(() => {
        // What moved on meanwhile reached this observer with everyone else's.
        if (!this.#observers.has(observer)) return;
        if (current !== undefined && this.#current === current) notify(() => observer.onInstances(current.instances));
        if (status !== undefined && this.#status === status) notify(() => observer.onStatus?.(status));
        if (error !== undefined && this.#lastError === error) notify(() => observer.onError(error));
      });
    }
    if (!this.#started) {
      this.#started = true;
      void this.#run();
    }
  }

  remove(observer: DiscoveryObserver): void {
    this.#observers.delete(observer);
  }

  /** Stops the loop: cancels the request in flight and every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#observers.clear();
    this.#stopFollowingAgents();
    this.#cancel?.emit('cancel');
    this.#cancel = undefined;
    for (const timer of [this.#sleepTimer, this.#holdTimer, this.#snapshotTimer]) {
      if (timer !== undefined) this.#timers.clearTimeout(timer);
    }
    this.#sleepTimer = this.#holdTimer = this.#snapshotTimer = undefined;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const options = this.#options;
    const waitMs = options.waitMs ?? 30_000;
    const firstWaitMs = Math.min(options.firstWaitMs ?? 100, waitMs);
    const marginMs = options.answerMarginMs ?? 5_000;
    const baseMs = options.backoffBaseMs ?? 100;
    const maxMs = options.backoffMaxMs ?? 5_000;
    if (options.query.snapshotPath !== undefined) {
      this.#snapshotTimer = this.#timers.setTimeout(() => this.#readSnapshotOnce(), options.snapshotAfterMs ?? 2_000);
    }
    let index = 0n;
    let failures = 0;
    let blockingCalls = 0;
    let reconnected = false;

    while (!this.#closed) {
      for (let delay = this.#bucket.take(); delay > 0 && !this.#closed; delay = this.#bucket.take()) await this.#sleep(delay);
      if (this.#closed) return;
      const pending = this.#takeInterrupt();
      if (pending !== undefined) {
        index = 0n;
        reconnected ||= pending.reconnect;
        if (pending.reconnect) blockingCalls = 0;
      }
      const agent = options.agents.inUse;
      const cancel = requestCancel();
      this.#cancel = cancel;
      this.#requestAgent = agent.position;
      const wait = index > 0n ? Math.round(Math.min(waitMs, firstWaitMs * 2 ** Math.min(blockingCalls++, 30))) : 0;
      const query = { ...this.#parameters, index: index.toString(), ...(wait > 0 ? { wait: `${wait}ms` } : {}) };
      // Consul adds up to wait/16 of jitter to a blocking query; the request must outlive that.
      const timeoutMs = wait > 0 ? Math.ceil(wait + wait / 16) + marginMs : marginMs;
      let delayMs = 0;
      let failure: ConsulFailure | undefined;
      try {
        this.#requests += 1;
        const answer = await agent.reader.get('/health/service/{service}', { service: options.service }, query, { timeoutMs, cancel });
        if (this.#closed) return;
        if (answer.status !== 200 || !Array.isArray(answer.body)) {
          failure = failureOfAnswer(answer, this.#request(agent));
        } else {
          const next = parseIndex(answer.headers['x-consul-index']);
          // An index that went backwards (a restarted agent, a snapshot restore) starts over from 0; a
          // blocking query never uses an index below 1, which Consul would answer at once, for ever.
          const reset = next !== undefined && next >= 1n && next < index;
          index = reset ? 0n : next === undefined || next < 1n ? 1n : next;
          // An answer from an agent cut off from its servers does not end a streak of failures: between its
          // cached answers its blocking queries fail, and the backoff must go on growing.
          const sound = await this.#accept(agent, answer, { reconnected: reconnected || reset, blocking: wait > 0 }, cancel);
          if (sound) failures = 0;
          reconnected = false;
        }
      } catch (error) {
        if (this.#closed) return;
        if (this.#interrupted === undefined) failure = failureOfError(error, this.#request(agent));
      } finally {
        if (this.#cancel === cancel) this.#cancel = undefined;
      }
      if (this.#closed) return;
      if (failure !== undefined) {
        failures += 1;
        index = 0n;
        reconnected = true;
        // Start the waits short again: the next blocking answer soon says whether the agent is sound.
        blockingCalls = 0;
        this.#failed(failure.error, failures);
        if (failure.agentAtFault) {
          this.#reportingFailure = true;
          options.agents.failed(agent);
          this.#reportingFailure = false;
        }
        if (failures >= options.agents.size) this.#readSnapshotOnce();
        // Each agent is tried once at once; then every failure in a row doubles the backoff ceiling.
        const rounds = failures - options.agents.size + 1;
        if (rounds >= 1) delayMs = this.#random() * Math.min(maxMs, baseMs * 2 ** Math.min(rounds - 1, 30));
      }
      const interrupt = this.#takeInterrupt();
      if (interrupt !== undefined) {
        index = 0n;
        reconnected ||= interrupt.reconnect;
        if (interrupt.reconnect) blockingCalls = 0;
        delayMs = 0;
      }
      if (delayMs > 0) await this.#sleep(delayMs);
    }
  }

  /** A list of health entries from `agent`: deliver it, hold through it, or say why it is empty. */
  async #accept(
    agent: ConsulAgent,
    answer: ConsulAnswer,
    { reconnected, blocking }: { reconnected: boolean; blocking: boolean },
    cancel: RequestCancel,
  ): Promise<boolean> {
    const { service, query } = this.#options;
    this.#failingSince = undefined;
    this.#clearSnapshotTimer();
    const previous = this.#current;
    const next = nextInstanceSnapshot(service, answer.body, previous ?? emptySnapshot, { includeWarning: query.includeWarning });
    const empty = (next ?? previous ?? emptySnapshot).instances.length === 0;

    // An agent that comes back empty (restarted without its state) answers so until instances register
    // again: the last set, from Consul or from the snapshot file, is held through it for a while, and said
    // to be stale.
    const heldBefore = previous !== undefined && previous.instances.length > 0;
    const firstSince = reconnected || !this.#currentIsLive;
    if (empty && heldBefore && (this.#holdTimer !== undefined || (firstSince && query.emptyGraceMs !== false))) {
      if (this.#holdTimer === undefined) this.#hold(agent, previous, query.emptyGraceMs as number);
      // Consul has answered: once the grace period is over, its answer is followed.
      this.#currentIsLive = true;
      return true;
    }
    this.#stopHolding();

    let aclError: ConsulAclError | undefined;
    if (empty && (next !== undefined || previous === undefined || !this.#currentIsLive || this.#aclEmpty)) {
      const problem = await aclCauseOfEmptyAnswer(agent.reader, service, query.datacenter, answer.headers, {
        timeoutMs: this.#options.answerMarginMs ?? 5_000,
        cancel,
      });
      if (this.#closed) return false;
      if (problem !== undefined) aclError = new ConsulAclError(this.#sourceOf(agent), problem);
    }

    // A set emptied by the ACLs is not written to the snapshot: it says nothing of the service.
    const live = aclError === undefined;
    if (next !== undefined) this.#deliver(next, live);
    // The first answer is delivered even when empty: it is news that the service has no instance.
    else if (previous === undefined) this.#deliver(emptySnapshot, live);
    this.#currentIsLive = true;
    this.#aclEmpty = aclError !== undefined;
    if (aclError !== undefined) {
      this.#reportError(aclError);
      return true;
    }

    const age = Number(single(answer.headers.age) ?? '0');
    const degraded = this.#status !== undefined || this.#lastError !== undefined;
    if (query.cached && Number.isFinite(age) && age > 0) {
      this.#lastError = undefined;
      this.#setStale(
        'agent-lost-servers',
        `the agent at ${agent.connection.address} answers from its cache, refreshed ${age} s ago: it has lost contact with the Consul servers, so changes may be missing`,
      );
      return false;
    }
    if (single(answer.headers['x-consul-knownleader']) === 'false') {
      this.#lastError = undefined;
      this.#setStale(
        'agent-lost-servers',
        `the agent at ${agent.connection.address} answers without a known cluster leader (a stale read): changes may be missing`,
      );
      return false;
    }
    // Straight from the cache after a failure, an answer says nothing of the servers (Age counts whole
    // seconds): the next blocking answer, a short wait away, tells whether the cache is being refreshed.
    if (query.cached && !blocking && degraded) return false;
    this.#recovered();
    return true;
  }

  #hold(agent: ConsulAgent, held: InstanceSnapshot, graceMs: number): void {
    this.#lastError = undefined;
    this.#holdTimer = this.#timers.setTimeout(() => {
      this.#holdTimer = undefined;
      // Ask again at once: an answer that is still empty is now followed.
      this.#interrupt(false);
    }, graceMs);
    const count = held.instances.length;
    this.#setStale(
      'holding-through-empty',
      `the agent at ${agent.connection.address} answered no instance of ${this.#snapshotQuery.description} right after a reconnect; ` +
        `the ${count} instance${count === 1 ? '' : 's'} last known are held for up to ${graceMs} ms while they register again`,
    );
  }

  #stopHolding(): void {
    if (this.#holdTimer === undefined) return;
    this.#timers.clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  /** Tells the observers of a new set; `write` it to the snapshot file when it is Consul's own answer. */
  #deliver(snapshot: InstanceSnapshot, write: boolean): void {
    this.#current = snapshot;
    if (write) this.#writer?.write(snapshot.instances);
    const instances = snapshot.instances;
    for (const observer of [...this.#observers]) {
      if (this.#observers.has(observer)) notify(() => observer.onInstances(instances));
    }
  }

  #failed(error: DiscoveryError, failures: number): void {
    this.#failingSince ??= new Date();
    const known = this.#current?.instances.length ?? 0;
    // An agent that answers from its cache between failures is reachable: its status says more than this one.
    const reason = this.#status?.reason;
    const specific = reason === 'snapshot' || reason === 'holding-through-empty' || reason === 'agent-lost-servers';
    if (failures >= this.#options.agents.size && known > 0 && !specific) {
      this.#setStale(
        'unreachable',
        `Consul (${this.#options.agents.addresses}) has given no usable answer since ${this.#failingSince.toISOString()}; ` +
          `the ${known} instance${known === 1 ? '' : 's'} last known are still served`,
      );
    }
    this.#reportError(error);
  }

  #reportError(error: DiscoveryError): void {
    this.#lastError = error;
    for (const observer of [...this.#observers]) {
      if (this.#observers.has(observer)) notify(() => observer.onError(error));
    }
  }

  #setStale(reason: DiscoveryStaleReason, detail: string): void {
    if (this.#status?.reason === reason) return;
    const status: StaleStatus = { state: 'stale', reason, detail };
    this.#status = status;
    this.#emitStatus(status);
  }

  /** The source answers normally again: say so if anything was wrong. */
  #recovered(): void {
    if (this.#status === undefined && this.#lastError === undefined) return;
    this.#status = undefined;
    this.#lastError = undefined;
    this.#emitStatus({ state: 'live' });
  }

  #emitStatus(status: DiscoveryStatus): void {
    for (const observer of [...this.#observers]) {
      if (this.#observers.has(observer)) notify(() => observer.onStatus?.(status));
    }
  }

  #readSnapshotOnce(): void {
    const path = this.#options.query.snapshotPath;
    this.#clearSnapshotTimer();
    if (path === undefined || this.#snapshotTried || this.#current !== undefined || this.#closed) return;
    this.#snapshotTried = true;
    void readSnapshot(path, this.#snapshotQuery, this.#options.source).then(
      (content) => {
        // Consul may have answered while the file was read: its answer wins.
        if (content === undefined || this.#closed || this.#current !== undefined) return;
        const snapshot = snapshotOfInstances(content.instances);
        this.#currentIsLive = false;
        this.#deliver(snapshot, false);
        this.#setStale(
          'snapshot',
          `the instances of ${this.#snapshotQuery.description} were read from ${path} (saved ${content.savedAt}) because no Consul agent ` +
            `(${this.#options.agents.addresses}) answered at start-up; stale until one does`,
        );
      },
      (error: unknown) => {
        if (this.#closed) return;
        for (const observer of [...this.#observers]) notify(() => observer.onError(error as Error));
      },
    );
  }

  #clearSnapshotTimer(): void {
    if (this.#snapshotTimer === undefined) return;
    this.#timers.clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = undefined;
  }

  /** A write that failed is reported once per cause, not as a failure of discovery: the next change tries again. */
  #writeFailed(path: string, error: unknown): void {
    const problem = error instanceof Error ? error.message : String(error);
    if (this.#closed || problem === this.#lastWriteProblem) return;
    this.#lastWriteProblem = problem;
    const reported = new DiscoverySnapshotError(this.#options.source, path, `could not be written (${problem}); the next change tries again`, {
      cause: error,
    });
    for (const observer of [...this.#observers]) notify(() => observer.onError(reported));
  }

  /** Cuts the round under way short (the agent changed, or a grace period ended) and starts the next at once. */
  #interrupt(reconnect: boolean): void {
    if (this.#closed) return;
    this.#interrupted = { reconnect: reconnect || (this.#interrupted?.reconnect ?? false) };
    this.#cancel?.emit('cancel');
    this.#wake?.();
  }

  #takeInterrupt(): { reconnect: boolean } | undefined {
    const interrupt = this.#interrupted;
    this.#interrupted = undefined;
    return interrupt;
  }

  #request(agent: ConsulAgent): FailedRequest {
    return {
      source: this.#sourceOf(agent),
      address: agent.connection.address,
      service: this.#options.service,
      hasToken: agent.reader.hasToken,
    };
  }

  #sourceOf(agent: ConsulAgent): string {
    return `consul at ${agent.connection.address}, service "${this.#options.service}"`;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        if (this.#sleepTimer !== undefined) this.#timers.clearTimeout(this.#sleepTimer);
        this.#sleepTimer = undefined;
        resolve();
      };
      this.#sleepTimer = this.#timers.setTimeout(() => {
        this.#sleepTimer = undefined;
        this.#wake?.();
      }, ms);
    });
  }
}

function parseIndex(value: unknown): bigint | undefined {
  const text = single(value);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return BigInt(text);
}

function single(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** An observer that throws must not stop the loop; its error surfaces as an uncaught exception would. */
function notify(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
