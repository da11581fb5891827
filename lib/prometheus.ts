// `proxyless/prometheus`: the client's metrics in a prom-client registry. prom-client is an optional peer
// dependency, loaded only by this entry point.
export { prometheusMetrics } from './observe/prometheus-metrics.js';
export type { PrometheusMetricsOptions } from './observe/prometheus-metrics.js';
