// proxyless/opentelemetry: spans from real calls, read back from the SDK's in-memory exporter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createClient } from '../../lib/client/create-client.js';
import { openTelemetryTracing } from '../../lib/observe/opentelemetry-tracing.js';
import type { Picker } from '../../lib/pickers/picker.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { freePort } from '../support/free-port.js';
import { startServers, type TestServer } from '../support/http-servers.js';

/** Chooses the instance with id `first` while the request has not tried it, then any other. */
function firstTo(first: string): Picker {
  return { name: 'first-to', pick: (instances, context) => instances.find((i) => i.id === first && !context.tried(i)) ?? instances.find((i) => !context.tried(i)) };
}

function eventsOf(span: ReadableSpan): { name: string; attributes: Record<string, unknown> }[] {
  return span.events.map((event) => ({ name: event.name, attributes: { ...event.attributes } }));
}

describe('proxyless/opentelemetry', { timeout: 60_000 }, () => {
  let servers: TestServer[];
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();

  before(async () => {
    servers = await startServers(2);
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  after(async () => {
    context.disable();
    propagation.disable();
    await provider.shutdown();
    await Promise.all(servers.map((s) => s.close()));
  });

  test("a call is one CLIENT span under the caller's span, and its trace context reaches the instance", async () => {
    exporter.reset();
    const server = servers[0]!;
    server.respondWith((req, res) => res.json({ traceparent: req.headers.traceparent ?? null }));
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(server.port, { id: 'users-1' })]) });
    openTelemetryTracing(client, { tracerProvider: provider });
    try {
      const tracer = provider.getTracer('test');
      const { data } = await tracer.startActiveSpan('handle request', async (parent) => {
        try {
          return await client.get<{ traceparent: string | null }>('/users/42');
        } finally {
          parent.end();
        }
      });
      const spans = exporter.getFinishedSpans();
      const call = spans.find((span) => span.kind === SpanKind.CLIENT)!;
      const parent = spans.find((span) => span.name === 'handle request')!;
      assert.equal(call.name, 'GET');
      assert.equal(call.parentSpanContext?.spanId, parent.spanContext().spanId);
      assert.equal(data.traceparent, `00-${call.spanContext().traceId}-${call.spanContext().spanId}-01`);
      assert.deepEqual(
        { ...call.attributes },
        {
          'http.request.method': 'GET',
          'proxyless.service': 'users',
          'proxyless.instance.id': 'users-1',
          'server.address': '127.0.0.1',
          'server.port': server.port,
          'url.full': `http://127.0.0.1:${server.port}/users/42`,
          'http.response.status_code': 200,
        },
      );
      assert.equal(call.status.code, SpanStatusCode.UNSET);
      assert.deepEqual(eventsOf(call).map((e) => [e.name, e.attributes['proxyless.attempt.outcome']]), [['attempt', 'success']]);
    } finally {
      await client.close();
    }
  });

  test('each attempt is an event with its instance and outcome, and a retry says why', async () => {
    exporter.reset();
    const [bad, good] = servers as [TestServer, TestServer];
    bad.respondWith((_req, res) => res.status(503).end());
    good.respondWith((_req, res) => res.json({ ok: true }));
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(bad.port, { id: 'users-bad' }), instanceAt(good.port, { id: 'users-good' })]),
      picker: firstTo('users-bad'),
      retry: { backoff: false },
    });
    openTelemetryTracing(client, { tracerProvider: provider });
    try {
      await client.get('/users');
      const [call] = exporter.getFinishedSpans();
      assert.ok(call);
      assert.deepEqual(
        eventsOf(call).map((e) => [e.name, e.attributes['proxyless.instance.id'], e.attributes['proxyless.attempt.outcome'] ?? e.attributes['proxyless.retry.reason']]),
        [
          ['attempt', 'users-bad', 'server-error'],
          ['retry', 'users-bad', '503'],
          ['attempt', 'users-good', 'success'],
        ],
      );
      assert.equal(eventsOf(call)[0]!.attributes['http.response.status_code'], 503);
      assert.equal(call.attributes['http.request.resend_count'], 1);
      assert.equal(call.attributes['proxyless.instance.id'], 'users-good');
      assert.equal(call.attributes['http.response.status_code'], 200);
    } finally {
      await client.close();
    }
  });

  test('a call that failed has an error status and error.type; a failure not retried says why', async () => {
    exporter.reset();
    const closedPort = await freePort();
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(closedPort, { id: 'users-gone' })]), breaker: false });
    openTelemetryTracing(client, { tracerProvider: provider });
    try {
      await client.get('/users').catch(() => undefined);
      await client.post('/users', {}).catch(() => undefined);
      const [get, post] = exporter.getFinishedSpans();
      assert.equal(get?.status.code, SpanStatusCode.ERROR);
      assert.equal(get?.attributes['error.type'], 'ECONNREFUSED');
      assert.match(get?.status.message ?? '', /ECONNREFUSED/);
      assert.equal(post?.name, 'POST');
      assert.equal(post?.attributes['error.type'], 'ECONNREFUSED');
      const notRetried = eventsOf(get!).find((e) => e.name === 'not retried');
      assert.equal(notRetried?.attributes['proxyless.not_retried.reason'], 'no-other-instance');
    } finally {
      await client.close();
    }
  });

  test('a hedge that lost is still on the span, cancelled, and the span ends after it', async () => {
    exporter.reset();
    const [slow, fast] = servers as [TestServer, TestServer];
    slow.respondWith((_req, res) => setTimeout(() => res.json({ ok: true }), 300));
    fast.respondWith((_req, res) => res.json({ ok: true }));
    const client = createClient({
      service: 'search',
      discovery: new FakeDiscovery([instanceAt(slow.port, { id: 'search-slow' }), instanceAt(fast.port, { id: 'search-fast' })]),
      picker: firstTo('search-slow'),
      hedge: { delayMs: 20 },
    });
    openTelemetryTracing(client, { tracerProvider: provider });
    try {
      await client.get('/search');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [call] = exporter.getFinishedSpans();
      assert.deepEqual(
        eventsOf(call!).map((e) => [e.name, e.attributes['proxyless.instance.id'], e.attributes['proxyless.attempt.outcome'] ?? null]),
        [
          ['hedge', 'search-fast', null],
          ['attempt', 'search-fast', 'success'],
          ['attempt', 'search-slow', 'cancelled'],
        ],
      );
    } finally {
      await client.close();
    }
  });

  test('without a tracer provider given, the global one is used', async () => {
    exporter.reset();
    const server = servers[0]!;
    server.respondWith((_req, res) => res.json({ ok: true }));
    trace.setGlobalTracerProvider(provider);
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(server.port)]) });
    openTelemetryTracing(client);
    try {
      await client.get('/users');
      assert.equal(exporter.getFinishedSpans().length, 1);
    } finally {
      trace.disable();
      await client.close();
    }
  });
});
