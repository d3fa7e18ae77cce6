import { Duration } from 'aws-cdk-lib';
import { GraphWidget, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';

/** The latency metrics the functions emit (shared/observability.ts), from SES receipt to the stage done. */
export const STAGE_LATENCY = [
  { metric: 'ParseLatency', label: 'SES receipt → parsed' },
  { metric: 'SyncLatency', label: 'SES receipt → in Salesforce' },
] as const;

/**
 * End-to-end latency per stage, p50 and p95 over five minutes: how long a mail takes from SES
 * receiving it to the parse stage handing it on, and to its Task (or other outcome) in Salesforce.
 */
export function stageLatencyWidget(): GraphWidget {
  return new GraphWidget({
    title: 'End-to-end latency per stage (ms)',
    width: 24,
    left: STAGE_LATENCY.flatMap(({ metric, label }) =>
      (['p50', 'p95'] as const).map(
        (statistic) =>
          // Powertools adds the function's `service` dimension; SEARCH finds the metric whatever its value.
          new MathExpression({
            expression: `SEARCH('{Capture,service} MetricName="${metric}"', '${statistic}', 300)`,
            usingMetrics: {},
            label: `${label} ${statistic}`,
            period: Duration.minutes(5),
          }),
      ),
    ),
  });
}
