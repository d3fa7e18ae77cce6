import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OutcomeKind } from '#shared/domain/outcome.ts';
import { stageLatencyWidget } from './stage-latency.ts';

export interface MonitoringProps {
  /** Each stage's queue and DLQ; `name` labels alarms and graphs. */
  readonly queues: readonly {
    readonly name: string;
    readonly queue: IQueue;
    /** Absent for a queue whose DLQ is another queue's (listed with that one). */
    readonly deadLetterQueue?: IQueue;
  }[];
  readonly functions: readonly IFunction[];
  /** The registry's orgs: each gets an alarm on how long its oldest mail has waited. */
  readonly orgIds?: readonly string[];
  /** The sync function's metrics `service` dimension (POWERTOOLS_SERVICE_NAME). @default 'sync' */
  readonly syncService?: string;
  /** Alarm when a queue's oldest message is older than this. @default 15 minutes */
  readonly maxMessageAge?: Duration;
  /** Where alarms go. @default no subscription (alarms still show in CloudWatch) */
  readonly alarmEmail?: string;
}

/** DLQ and backlog alarms, and one dashboard of outcomes, queues and functions. */
export class Monitoring extends Construct {
  public readonly alarmTopic: Topic;
  public readonly dashboard: Dashboard;
  /** Per queue: DLQ not empty, oldest message too old. */
  public readonly alarms: Alarm[] = [];
  /** Per org: its oldest mail has waited too long (the queue's own age metric cannot say whose). */
  public readonly orgAlarms = new Map<string, Alarm>();

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'Alarms', { enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);
    const maxAge = props.maxMessageAge ?? Duration.minutes(15);
    for (const q of props.queues) {
      const dlqAlarm =
        q.deadLetterQueue &&
        new Alarm(this, `${q.name}DlqNotEmpty`, {
          alarmDescription: `Messages in the ${q.name} DLQ: read their capture.reason attributes (or \`capture status\`), fix, then redrive (\`capture replay --dlq\` or the console's DLQ redrive)`,
          metric: q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
      const backlogAlarm = new Alarm(this, `${q.name}Backlog`, {
        alarmDescription: `The ${q.name} queue's oldest message is over ${maxAge.toMinutes()} minutes old`,
        metric: q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
        threshold: maxAge.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (dlqAlarm) this.alarms.push(dlqAlarm);
      this.alarms.push(backlogAlarm);
    }
    const service = props.syncService ?? 'sync';
    for (const orgId of props.orgIds ?? []) {
      this.orgAlarms.set(
        orgId,
        new Alarm(this, `Org-${orgId}-OldestMail`, {
          alarmDescription: `Org ${orgId}: its oldest mail has waited over ${maxAge.toMinutes()} minutes for Salesforce. \`capture status --org ${orgId}\` says how many wait and why (deferred, failed).`,
          metric: orgMetric(service, orgId, 'OldestMailAgeSeconds', 'Maximum'),
          threshold: maxAge.toSeconds(),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const alarm of [...this.alarms, ...this.orgAlarms.values()]) alarm.addAlarmAction(action);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: 'Capture' });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Outcomes',
        width: 12,
        // Powertools adds a `service` dimension (parse or sync); SEARCH sums an outcome over both.
        left: OutcomeKind.options.map(
          (o) =>
            new MathExpression({
              expression: `SUM(SEARCH('{Capture,service} MetricName="Outcome_${o}"', 'Sum', 300))`,
              usingMetrics: {},
              label: o,
              period: Duration.minutes(5),
            }),
        ),
      }),
      new GraphWidget({
        title: 'Queues',
        width: 12,
        left: props.queues.flatMap((q) => [
          q.queue.metricApproximateNumberOfMessagesVisible({ label: q.name }),
          ...(q.deadLetterQueue
            ? [q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${q.name} DLQ` })]
            : []),
        ]),
      }),
      new GraphWidget({
        title: 'Functions',
        width: 24,
        left: props.functions.flatMap((f) => [f.metricErrors(), f.metricThrottles()]),
        right: props.functions.map((f) => f.metricDuration({ statistic: 'p95' })),
      }),
    );
    this.dashboard.addWidgets(stageLatencyWidget());
    this.#perOrgView(service);
  }

  /** One line per org (every org that reported, found by SEARCH): how long and how many wait. */
  #perOrgView(service: string): void {
    const perOrg = (metric: string, statistic: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{Capture,orgId,service} service="${service}" MetricName="${metric}"', '${statistic}', 60)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(1),
      });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "### Per org\nMessages in the lines and sync queues carry their org as **MessageGroupId** (SQS fair queues; the parse function first puts mail straight from SES in its org's line on the lines queue): one org's backlog does not hold up the others. Each org writes at most `salesforce.maxConcurrency` batches at once; mail it cannot take now is handed back (deferred), not failed.",
        width: 24,
        height: 2,
      }),
      new GraphWidget({
        title: 'Oldest waiting mail per org (s)',
        width: 12,
        left: [perOrg('OldestMailAgeSeconds', 'Maximum', 'oldest')],
      }),
      new GraphWidget({
        title: 'Mails waiting per org',
        width: 12,
        left: [perOrg('MailsWaiting', 'Maximum', 'waiting')],
      }),
      new GraphWidget({
        title: 'Deferred per org (handed back)',
        width: 12,
        left: [perOrg('MailsDeferred', 'Sum', 'deferred')],
      }),
      new GraphWidget({
        title: 'Failed per org',
        width: 12,
        left: [perOrg('MailsFailed', 'Sum', 'failed')],
      }),
    );
  }
}

/** A per-org metric of the sync function (shared/observability.ts publishOrgFigures). */
function orgMetric(service: string, orgId: string, metricName: string, statistic: string): Metric {
  return new Metric({
    namespace: 'Capture',
    metricName,
    dimensionsMap: { service, orgId },
    statistic,
    period: Duration.minutes(5),
  });
}
