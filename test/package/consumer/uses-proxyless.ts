// A user's code, type-checked against the installed tarball under each `moduleResolution` by
// test/package/types.test.ts (as .ts, and under node16 as both .mts and .cts). Not part of the project's
// own type check: 'proxyless' here is the packed package, not lib/.
import axios, { type AxiosInstance } from 'axios';
import { createClient, createPicker, InvalidOptionError, ProxylessError, staticDiscovery, type Instance } from 'proxyless';
import { compare, scenarios, type SimulationReport } from 'proxyless/simulator';

// The user's own axios instance, typed by the user's own axios.
const client = createClient({
  service: 'users',
  discovery: staticDiscovery(['http://127.0.0.1:3001']),
  picker: createPicker('p2c-ewma', { decayMs: 5_000 }),
  axios: axios.create({ timeout: 1_000 }),
});

export async function userName(id: number): Promise<string> {
  const { data } = await client.get<{ name: string }>(`/users/${id}`);
  return data.name;
}

export function describeError(error: unknown): string {
  if (error instanceof InvalidOptionError) return `${error.code}: ${error.option}`;
  return error instanceof ProxylessError ? error.code : String(error);
}

export const zones = (instances: readonly Instance[]): (string | undefined)[] => instances.map((instance) => instance.node.meta.zone);

export async function worstP99(): Promise<number> {
  const comparison = await compare(scenarios['one-slow'], { 'round-robin': { picker: (base) => createPicker('round-robin', base) } });
  return Math.max(...comparison.reports.map((report: SimulationReport) => report.latency.p99));
}

// The client is a real AxiosInstance: it goes wherever one is expected, and `data` is `any` as in axios.
export const asAxios: AxiosInstance = client;
export async function untyped(): Promise<string> {
  const response = await client.get('/users/1');
  return response.data.name;
}

// The types are the package's, not `any`: these must not compile.
// @ts-expect-error no built-in picker has this name
createPicker('fastest');
// @ts-expect-error `service` is required
createClient({});
