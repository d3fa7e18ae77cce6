/**
 * One place that sets up structured logging, metrics and tracing (Powertools). Handlers import
 * `logger`, `metrics` and `tracer` from here and call `startInvocation(context)` first, so every
 * line carries the Lambda context (request id, cold start). Log keys are per record
 * (`sesMessageId`, `orgId`); message bodies, full addresses (above DEBUG) and secrets are never
 * logged, nor traced.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { MessageQueue, OutcomeStore } from './ports/mail-store.ts';

// Embedded-metric-format lines only mean something in Lambda; elsewhere (local stack, CLI) they are noise.
if (!process.env.AWS_LAMBDA_FUNCTION_NAME) process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capture',
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
});

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Capture',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capture',
});

/**
 * X-Ray: on in Lambda (the functions run with active tracing), unless POWERTOOLS_TRACE_ENABLED is
 * `false`; absent elsewhere, and then every call below is a no-op. The tracer is loaded only where
 * it traces: its X-Ray SDK hooks every promise of the process (cls-hooked), which makes each
 * `await` of the local stack, the CLI and the tests about 25 times slower for nothing.
 */
export const tracer: Tracer | undefined =
  process.env.AWS_LAMBDA_FUNCTION_NAME && process.env.POWERTOOLS_TRACE_ENABLED !== 'false'
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer({
        serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capture',
      })
    : undefined;

/** An AWS SDK v3 client whose calls appear in the trace (the client itself where nothing traces). */
export function tracedClient<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

export { MetricUnit };

/** The first thing a handler does: the Lambda context on every log line, the cold start counted. */
export function startInvocation(context: Context | undefined): void {
  if (context) logger.addContext(context);
  metrics.captureColdStartMetric();
  tracer?.annotateColdStart();
}

type Annotate = (key: string, value: string | number | boolean) => void;

/**
 * Runs `work` as an X-Ray subsegment named `name` (errors recorded on it), when tracing is on;
 * `annotate` adds searchable annotations (ids, never mail text). Works for synchronous work too.
 */
export function traced<T>(name: string, work: (annotate: Annotate) => T): T {
  if (!tracer?.isTracingEnabled() || !tracer.getSegment()) return work(() => {});
  return tracer.provider.captureAsyncFunc(name, (subsegment) => {
    const annotate: Annotate = (key, value) => subsegment?.addAnnotation(key, value);
    const fail = (error: unknown) => {
      if (error instanceof Error) subsegment?.addError(error);
      subsegment?.close();
      throw error;
    };
    let result: T;
    try {
      result = work(annotate);
    } catch (error) {
      return fail(error);
    }
    if (!(result instanceof Promise)) {
      subsegment?.close();
      return result;
    }
    return result.then((value) => {
      subsegment?.close();
      return value;
    }, fail);
  }) as T;
}

/** Every method of a port as a subsegment `<label>.<method>` (a CRM's calls in the trace). */
export function tracedPort<P extends object>(port: P, label: string, annotations: Record<string, string>): P {
  if (!tracer?.isTracingEnabled()) return port;
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) =>
        traced(`${label}.${property}`, (annotate) => {
          for (const [key, v] of Object.entries(annotations)) annotate(key, v);
          return value.apply(target, args);
        });
    },
  });
}

/**
 * End-to-end latency per stage, from SES receipt (`receivedAt` of the sync message) to the
 * stage done, in milliseconds: `ParseLatency` when the parse stage hands a message on,
 * `SyncLatency` when the sync stage is done with it. The dashboard graphs both.
 */
export function recordStageLatency(
  metric: 'ParseLatency' | 'SyncLatency',
  receivedAt: unknown,
  now = Date.now(),
): void {
  const at = typeof receivedAt === 'string' ? Date.parse(receivedAt) : Number.NaN;
  if (Number.isNaN(at)) return;
  metrics.addMetric(metric, MetricUnit.Milliseconds, Math.max(0, now - at));
}

/** The sync queue, recording ParseLatency for each message the parse stage hands on. */
export function withParseLatency(queue: MessageQueue): MessageQueue {
  return {
    send: async (body, attributes) => {
      await queue.send(body, attributes);
      recordStageLatency('ParseLatency', (body as { receivedAt?: unknown } | null)?.receivedAt);
    },
  };
}

/** Shape of the logger that pure code and use cases accept, so tests can pass a fake. */
export interface LogSink {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** `jane.doe@example.com` → `j***@example.com`: enough to debug routing, not enough to identify. */
export function maskAddress(address: string | null | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** Counts every recorded outcome as a metric (Outcome_created, Outcome_rejected, …) per org. */
export function withOutcomeMetrics(store: OutcomeStore): OutcomeStore {
  return {
    get: (orgId, sesMessageId) => store.get(orgId, sesMessageId),
    list: () => store.list(),
    record: async (outcome) => {
      await store.record(outcome);
      metrics.addMetric(`Outcome_${outcome.outcome}`, MetricUnit.Count, 1);
    },
  };
}

/** What the sync stage saw of one org in one invocation (metrics with an `orgId` dimension). */
export interface OrgFigures {
  /** Seconds since SES took the org's oldest mail still waiting (null: none waits). */
  oldestMailAgeSeconds: number | null;
  /** Mails of the org waiting for the sync stage (at most the count the stage looked at). */
  mailsWaiting: number;
  synced: number;
  deferred: number;
  failed: number;
}

/** Per-org metrics, one EMF line per org: Capture / {service, orgId} / OldestMailAgeSeconds, … */
export function publishOrgFigures(orgId: string, figures: OrgFigures): void {
  const org = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Capture',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capture',
    defaultDimensions: { orgId },
  });
  if (figures.oldestMailAgeSeconds !== null)
    org.addMetric('OldestMailAgeSeconds', MetricUnit.Seconds, figures.oldestMailAgeSeconds);
  org.addMetric('MailsWaiting', MetricUnit.Count, figures.mailsWaiting);
  org.addMetric('MailsSynced', MetricUnit.Count, figures.synced);
  org.addMetric('MailsDeferred', MetricUnit.Count, figures.deferred);
  org.addMetric('MailsFailed', MetricUnit.Count, figures.failed);
  org.publishStoredMetrics();
}

/**
 * A LogSink that adds `keys` to every line (keys the line sets itself win), so a use case that
 * logs only `orgId` still says which messages it was working on.
 */
export function withKeys(sink: LogSink, keys: Record<string, unknown>): LogSink {
  const merge = (extra: Record<string, unknown>[]) => [Object.assign({}, keys, ...extra)];
  return {
    debug: (message, ...extra) => sink.debug(message, ...merge(extra)),
    info: (message, ...extra) => sink.info(message, ...merge(extra)),
    warn: (message, ...extra) => sink.warn(message, ...merge(extra)),
    error: (message, ...extra) => sink.error(message, ...merge(extra)),
  };
}
