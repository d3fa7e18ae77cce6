/**
 * One place that sets up structured logging and metrics (Powertools). Handlers import `logger`
 * and `metrics` from here. Log keys are per record (`sesMessageId`, `orgId`); message bodies,
 * full addresses (above DEBUG) and secrets are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

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
