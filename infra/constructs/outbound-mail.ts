import { Stack } from 'aws-cdk-lib';
import {
  ConfigurationSet,
  ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
  type IEmailIdentity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { sesTopicKey } from './ses-topic-key.ts';

export interface OutboundMailProps {
  /**
   * The capture domain's SES identity (InboundMail's, with Easy DKIM): the one identity Capture
   * receives and sends with.
   */
  readonly identity: IEmailIdentity;
}

/**
 * SES sending from the capture domain: a configuration set whose event destination publishes
 * bounces and complaints to an encrypted topic (the notices function records them, and never
 * writes to that address again). SES's account-level suppression list covers the same two
 * reasons. The right to send is granted by PipelineFunction.bindSesSending, to one function.
 */
export class OutboundMail extends Construct {
  public readonly configurationSet: ConfigurationSet;
  /** Where SES publishes bounce and complaint events. */
  public readonly events: Topic;
  public readonly identity: IEmailIdentity;

  constructor(scope: Construct, id: string, props: OutboundMailProps) {
    super(scope, id);
    this.identity = props.identity;
    // SES encrypts what it publishes to the topic with this key (this account's SES only).
    const key = sesTopicKey(this, 'EventsKey', 'Capture outbound mail events (bounces, complaints)');
    this.events = new Topic(this, 'Events', { masterKey: key, enforceSSL: true });
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // aws-cdk-lib adds the topic policy letting SES (this configuration set only) publish.
    new ConfigurationSetEventDestination(this, 'BouncesAndComplaints', {
      configurationSet: this.configurationSet,
      destination: EventDestination.snsTopic(this.events),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
  }

  /** arn:…:configuration-set/<name>, a resource of ses:SendRawEmail. */
  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }
}
