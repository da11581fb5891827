// `proxyless/opentelemetry`: a client span per call, with its attempts, through @opentelemetry/api (an
// optional peer dependency, loaded only by this entry point).
export { openTelemetryTracing } from './observe/opentelemetry-tracing.js';
export type { OpenTelemetryTracingOptions } from './observe/opentelemetry-tracing.js';
