/**
 * One place that sets up structured logging and metrics (Powertools). Handlers import `logger`
 * and `metrics` from here. Log keys are per record (`sesMessageId`, `orgId`); message bodies,
 * full addresses (above DEBUG) and secrets are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutcomeStore } from './ports/mail-store.ts';

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

export { MetricUnit };

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
