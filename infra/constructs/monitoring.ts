import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MonitoringProps {
  readonly queues: { name: string; queue: IQueue; deadLetterQueue: IQueue }[];
  readonly functions: IFunction[];
  /** Where alarms go. @default no subscription (alarms still show in CloudWatch) */
  readonly alarmEmail?: string;
}

const OUTCOMES = ['created', 'duplicate', 'unmatched', 'excluded', 'quarantined', 'rejected', 'failed'];

/** DLQ and backlog alarms, and one dashboard of outcomes, queues and functions. */
export class Monitoring extends Construct {
  public readonly alarmTopic: Topic;
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'Alarms', { enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);
    for (const q of props.queues) {
      new Alarm(this, `${q.name}DlqNotEmpty`, {
        alarmDescription: `Messages in the ${q.name} DLQ: see README "DLQ replay"`,
        metric: q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
      new Alarm(this, `${q.name}Backlog`, {
        alarmDescription: `The ${q.name} queue's oldest message is over 15 minutes old`,
        metric: q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
        threshold: 900,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
    }
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: 'Capture' });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Outcomes',
        width: 12,
        left: OUTCOMES.map(
          (o) =>
            new Metric({
              namespace: 'Capture',
              metricName: `Outcome_${o}`,
              statistic: 'Sum',
              period: Duration.minutes(5),
              label: o,
            }),
        ),
      }),
      new GraphWidget({
        title: 'Queues',
        width: 12,
        left: props.queues.flatMap((q) => [
          q.queue.metricApproximateNumberOfMessagesVisible({ label: q.name }),
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${q.name} DLQ` }),
        ]),
      }),
      new GraphWidget({
        title: 'Functions',
        width: 24,
        left: props.functions.flatMap((f) => [f.metricErrors(), f.metricThrottles()]),
        right: props.functions.map((f) => f.metricDuration({ statistic: 'p95' })),
      }),
    );
  }
}
