/**
 * One NodejsFunction with the project's defaults fixed (arm64, Node 22, ESM bundle with source
 * maps, log group with retention, Powertools settings, the org registry bundled as orgs.json),
 * and bind…() helpers that grant access and set the matching env var in one call, so a function
 * never gets a permission without knowing where to use it, or an env var it may not use.
 */
import { createRequire } from 'node:module';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { ConfigError } from '#shared/errors.ts';
import { cdkBundling } from './bundling.ts';

export interface PipelineFunctionProps {
  /** Handler file (exports `handler`). */
  readonly entry: string;
  /** Validated org registry file, bundled next to the handler as orgs.json (CAPTURE_CONFIG). */
  readonly orgsFile: string;
  /** POWERTOOLS_SERVICE_NAME, the `service` dimension of the function's metrics. @default the id, lower case */
  readonly serviceName?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** What a function may do in the mail bucket, by key prefix (`raw/`, `parsed/`, …). */
export interface MailBucketAccess {
  /** Prefixes it reads (GetObject). */
  readonly read: readonly string[];
  /** Prefixes it writes (PutObject, which covers multipart parts; AbortMultipartUpload). */
  readonly write: readonly string[];
  /** Prefixes it deletes from. @default none */
  readonly delete?: readonly string[];
}

/** The env vars the handlers read their stage's DLQ URL from (shared/config/env.ts). */
export type DeadLetterEnv = 'INTAKE_DLQ_URL' | 'SYNC_DLQ_URL';

// Without a local esbuild, NodejsFunction silently falls back to Docker bundling; Capture never does.
let esbuildChecked = false;
function requireLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    createRequire(import.meta.url).resolve('esbuild');
    esbuildChecked = true;
  } catch {
    throw new ConfigError(
      'ESBUILD_MISSING',
      'esbuild is not installed: run `npm ci` (functions are bundled locally, never with Docker)',
    );
  }
}

/** How a stage's function takes its queue's messages. */
export interface QueueBatching {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
}

export class PipelineFunction extends NodejsFunction {
  /** A pipeline stage's function, with its memory and timeout from shared/config/pipeline.ts. */
  static forStage(
    scope: Construct,
    id: string,
    stage: keyof typeof pipeline.functions,
    props: Pick<PipelineFunctionProps, 'entry' | 'orgsFile'>,
  ): PipelineFunction {
    const sizing = pipeline.functions[stage];
    return new PipelineFunction(scope, id, {
      ...props,
      memorySize: sizing.memoryMB,
      timeout: Duration.seconds(sizing.timeoutSeconds),
    });
  }

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    requireLocalEsbuild();
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        CAPTURE_CONFIG: 'orgs.json',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? id.toLowerCase(),
        POWERTOOLS_METRICS_NAMESPACE: 'Capture',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        // Stack traces point into the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        ...cdkBundling(),
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The registry the app validated at synth is the one the function reads (CAPTURE_CONFIG).
          afterBundling: (_input: string, outputDir: string) => [
            `cp ${JSON.stringify(props.orgsFile)} ${JSON.stringify(`${outputDir}/orgs.json`)}`,
          ],
        },
      },
    });
  }

  /**
   * MAIL_BUCKET, with object access limited to the given prefixes. ListBucket (bucket only) is
   * granted too: without it S3 answers a missing key with 403, and the stores need the 404.
   */
  bindMailBucket(bucket: IBucket, access: MailBucketAccess): this {
    const objects = (prefixes: readonly string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}*`));
    this.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    if (access.read.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: objects(access.read) }),
      );
    }
    if (access.write.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: objects(access.write),
        }),
      );
    }
    if (access.delete && access.delete.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects(access.delete) }),
      );
    }
    bucket.encryptionKey?.grantEncryptDecrypt(this);
    this.addEnvironment('MAIL_BUCKET', bucket.bucketName);
    return this;
  }

  /** Runs on the queue's messages in batches, failing records one by one (the rest are deleted). */
  consume(queue: IQueue, batching: QueueBatching, maxConcurrency?: number): this {
    this.addEventSource(
      new SqsEventSource(queue, {
        batchSize: batching.batchSize,
        maxBatchingWindow: Duration.seconds(batching.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      }),
    );
    return this;
  }

  /** SYNC_QUEUE_URL: the parse function hands parsed mail to sync through it. */
  bindSyncQueue(queue: IQueue): this {
    return this.#bindSendQueue('SYNC_QUEUE_URL', queue);
  }

  /** LINES_QUEUE_URL: the parse function puts mail straight from SES in its org's line on it. */
  bindLinesQueue(queue: IQueue): this {
    return this.#bindSendQueue('LINES_QUEUE_URL', queue);
  }

  /** NOTICE_QUEUE_URL: the stages queue notices through it; the notices function its own window ends. */
  bindNoticeQueue(queue: IQueue): this {
    return this.#bindSendQueue('NOTICE_QUEUE_URL', queue);
  }

  /**
   * NOTICE_TRANSPORT=ses + SES_CONFIGURATION_SET: ses:SendRawEmail on the capture domain's identity
   * and the configuration set only, and only as `from` (ses:FromAddress).
   */
  bindSesSending(sending: {
    identityArn: string;
    configurationSetName: string;
    configurationSetArn: string;
    from: string;
  }): this {
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: [sending.identityArn, sending.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': sending.from } },
      }),
    );
    this.addEnvironment('NOTICE_TRANSPORT', 'ses');
    this.addEnvironment('SES_CONFIGURATION_SET', sending.configurationSetName);
    return this;
  }

  /** The stage's DLQ, where the handler puts records no retry can fix (with their reason). */
  bindDeadLetterQueue(envName: DeadLetterEnv, queue: IQueue): this {
    return this.#bindSendQueue(envName, queue);
  }

  #bindSendQueue(envName: string, queue: IQueue): this {
    queue.grantSendMessages(this);
    this.addEnvironment(envName, queue.queueUrl);
    return this;
  }

  /**
   * SALESFORCE_SECRET_PREFIX (+ SALESFORCE_CREDENTIALS=secrets-manager): GetSecretValue on secrets
   * named `<prefix>…` only, plus any org's own `salesforce.secretName` from the registry.
   */
  bindSalesforceSecrets(prefix: string, extraSecretNames: readonly string[] = []): this {
    const stack = Stack.of(this);
    const arn = (resourceName: string) =>
      stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const outside = [...new Set(extraSecretNames)].filter((name) => !name.startsWith(prefix));
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        // Secrets Manager appends `-` and six random characters to every secret's ARN.
        // A registry may name a secret by ARN (another account's, say): that ARN, full or partial.
        resources: [
          arn(`${prefix}*`),
          ...outside.map((name) => (name.startsWith('arn:') ? `${name}*` : arn(`${name}-??????`))),
        ],
      }),
    );
    this.addEnvironment('SALESFORCE_SECRET_PREFIX', prefix);
    this.addEnvironment('SALESFORCE_CREDENTIALS', 'secrets-manager');
    return this;
  }
}
