import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { ConfigError } from '#shared/errors.ts';

export interface MailBucketProps {
  /**
   * Days raw mail, parsed mail, attachments and unresolved markers are kept. One period for all
   * of them, so unresolved mail stays replayable for as long as it is listed. @default 30
   */
  readonly retentionDays?: number;
  /** Days outcomes (the audit trail) are kept. @default 400 */
  readonly outcomeRetentionDays?: number;
}

/**
 * The mail archive: SSE-S3, no public access, TLS only, access-logged, retention by prefix.
 * Objects expire rather than move to IA/Glacier: at the default 30 days IA's 30-day minimum
 * and per-object charges (most objects are small JSON) would cost more than they save.
 * The bucket is retained when the stack is deleted: it holds the only copy of received mail.
 * SES's permission to write raw/ is added by InboundMail, which knows the receipt rule's ARN.
 */
export class MailBucket extends Construct {
  public readonly bucket: Bucket;
  public readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: MailBucketProps = {}) {
    super(scope, id);
    const days = props.retentionDays ?? 30;
    const outcomeDays = props.outcomeRetentionDays ?? 400;
    const bad = Object.entries({ retentionDays: days, outcomeRetentionDays: outcomeDays })
      .filter(([, value]) => !(Number.isInteger(value) && value > 0))
      .map(([key, value]) => `${key} ${value} must be a whole number of days above 0`);
    if (bad.length > 0) throw new ConfigError('INVALID_PROPS', `MailBucket: ${bad.join('; ')}`);
    // S3 log delivery is granted by the log bucket's policy, not by the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'mail/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Reply addresses of notices and mail waiting for a digest go with the mail they are about.
        ...[
          pipeline.keys.raw,
          pipeline.keys.parsed,
          pipeline.keys.attachments,
          pipeline.keys.unresolved,
          pipeline.keys.replies,
          pipeline.keys.noticeDigest,
        ].map((prefix) => ({
          id: `expire-${prefix.replace(/\/$/, '').replace(/\//g, '-')}`,
          prefix,
          expiration: Duration.days(days),
        })),
        // The Message-ID index lives as long as the outcomes it points at.
        ...[pipeline.keys.outcomes, pipeline.keys.index].map((prefix) => ({
          id: `expire-${prefix.replace('/', '')}`,
          prefix,
          expiration: Duration.days(outcomeDays),
        })),
        // A write slot lives minutes; one left by a crash is taken over, and tidied away here.
        { id: 'expire-leases', prefix: pipeline.keys.leases, expiration: Duration.days(1) },
        // A waiting marker is cleared when its mail is settled; one a crash left behind goes with
        // the mail it names (SQS keeps a message at most 14 days).
        { id: 'expire-waiting', prefix: pipeline.keys.waiting, expiration: Duration.days(14) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
