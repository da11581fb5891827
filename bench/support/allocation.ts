// Bytes a piece of code allocates per call, garbage included: V8's sampling heap profiler, asked to keep the
// samples of objects the GC already collected. CPU time says how long a request takes; this says how much it
// leaves for the GC, which on a busy caller is CPU too (its helper threads included).
import type { HeapProfiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { sendAll } from './instant-client.js';

/** The two flags newer V8s take that Node's types do not list yet. */
interface SamplingParameters extends HeapProfiler.StartSamplingParameterType {
  readonly includeObjectsCollectedByMajorGC: boolean;
  readonly includeObjectsCollectedByMinorGC: boolean;
}

interface SamplingNode {
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

/** One sample every this many bytes allocated, on average: fine enough for a few hundred bytes per call. */
const samplingIntervalBytes = 128;

/** Mean bytes allocated per call of `send` over `calls` calls, `concurrency` at a time. */
export async function bytesPerCall(calls: number, concurrency: number, send: () => Promise<unknown>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    // These two flags keep what the GC collected; without them the profile holds only what is still alive.
    const parameters: SamplingParameters = {
      samplingInterval: samplingIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    };
    await session.post('HeapProfiler.startSampling', parameters);
    await sendAll(calls, concurrency, send);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
    return totalSize(profile.head) / calls;
  } finally {
    session.disconnect();
  }
}

function totalSize(node: SamplingNode): number {
  let size = node.selfSize;
  for (const child of node.children) size += totalSize(child);
  return size;
}
