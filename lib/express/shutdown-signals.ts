import { constants as osConstants } from 'node:os';

/** One registration's part in a shutdown by signal. */
export interface SignalDrain {
  readonly signals: readonly NodeJS.Signals[];
  /** Whether the process should exit once this drain is done. */
  readonly exit: boolean;
  drain(signal: NodeJS.Signals): Promise<unknown>;
}

const drains = new Set<SignalDrain>();
const listening = new Map<NodeJS.Signals, () => void>();
let shuttingDown = false;

/**
 * Drains `entry` on any of its signals; returns the function that stops doing so.
 *
 * There is one listener per signal for the whole process, however many registrations it holds: a signal
 * drains every registration that listens for it, and the process exits once the last of them is done — not
 * when the first is, which would cut the others short. A second signal during a shutdown exits at once, with
 * the shell's code for death by that signal (128 + its number). Once no registration listens for a signal,
 * its listener is removed and Node's default (ending the process) applies again.
 */
export function drainOnSignals(entry: SignalDrain): () => void {
  drains.add(entry);
  for (const signal of entry.signals) {
    if (listening.has(signal)) continue;
    const listener = (): void => onSignal(signal);
    listening.set(signal, listener);
    process.on(signal, listener);
  }
  return () => {
    drains.delete(entry);
    for (const [signal, listener] of listening) {
      if ([...drains].some((other) => other.signals.includes(signal))) continue;
      process.off(signal, listener);
      listening.delete(signal);
    }
  };
}

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  }
  shuttingDown = true;
  const chosen = [...drains].filter((entry) => entry.signals.includes(signal));
  void Promise.allSettled(chosen.map((entry) => entry.drain(signal))).then(() => {
    shuttingDown = false;
    if (chosen.every((entry) => entry.exit)) process.exit(0);
  });
}
