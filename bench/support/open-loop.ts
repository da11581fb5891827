import { HdrHistogram } from './hdr-histogram.js';

export interface OpenLoopOptions {
  /** Requests started per second, on a fixed schedule whatever the answers do. */
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Sends one request; its promise settles when the answer is in. A rejection counts as an error. */
  readonly send: () => Promise<unknown>;
  /**
   * Requests allowed in flight at once. A request due while this many are out is not sent: it is counted as
   * dropped (a balancer that falls this far behind has failed the load), instead of queueing here unseen.
   */
  readonly maxInFlight?: number;
  /** Latencies of requests due in the first `warmUpMs` are not recorded (connections, JIT). Default 0. */
  readonly warmUpMs?: number;
}

export interface OpenLoopResult {
  /** Latency of each answered request from the moment it was *due*, in µs: a late send counts against the sender. */
  readonly latency: HdrHistogram;
  readonly sent: number;
  readonly errors: number;
  readonly dropped: number;
  /** Answered requests per second over the run. */
  readonly throughput: number;
}

/**
 * An open-loop load generator: request n is due at start + n / rate, and its latency is measured from then,
 * not from when it was actually sent. A closed loop (send, wait, send) slows down with the system it
 * measures and so never records the requests a stall delayed — coordinated omission; this does.
 */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const latency = new HdrHistogram();
  const gapMs = 1000 / options.ratePerSecond;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const warmUpMs = options.warmUpMs ?? 0;
  let sent = 0;
  let errors = 0;
  let dropped = 0;
  let answered = 0;
  let inFlight = 0;
  const started = performance.now();
  const total = Math.floor(options.durationMs / gapMs);
  let allSent: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allSent = resolve;
  });
  let next = 0;
  const fire = (): void => {
    const now = performance.now();
    for (; next < total && started + next * gapMs <= now; next++) {
      const due = started + next * gapMs;
      if (inFlight >= maxInFlight) {
        dropped++;
        continue;
      }
      inFlight++;
      sent++;
      const measured = due - started >= warmUpMs;
      options.send().then(
        () => {
          inFlight--;
          answered++;
          if (measured) latency.record((performance.now() - due) * 1000);
          if (next >= total && inFlight === 0) allSent();
        },
        () => {
          inFlight--;
          errors++;
          if (next >= total && inFlight === 0) allSent();
        },
      );
    }
    if (next < total) {
      setTimeout(fire, Math.max(0, started + next * gapMs - performance.now()));
    } else if (inFlight === 0) {
      allSent();
    }
  };
  fire();
  await done;
  const elapsedS = (performance.now() - started) / 1000;
  return { latency, sent, errors, dropped, throughput: answered / elapsedS };
}
