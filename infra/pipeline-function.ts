/**
 * One NodejsFunction with the project's defaults fixed (arm64, Node 22, ESM bundle with source
 * maps, log group with retention, Powertools settings, the org registry bundled as orgs.json),
 * and bind…() helpers that grant access and set the matching env var in one call.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface PipelineFunctionProps {
  /** Handler file (exports `handler`). */
  readonly entry: string;
  /** Validated org registry file, bundled next to the handler as orgs.json. */
  readonly orgsFile: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: string;
}

export class PipelineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
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
        POWERTOOLS_SERVICE_NAME: id.toLowerCase(),
        POWERTOOLS_METRICS_NAMESPACE: 'Capture',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        forceDockerBundling: false,
        mainFields: ['module', 'main'],
        // ESM bundles need a require() for the CommonJS dependencies esbuild inlines.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        // Bundle the AWS SDK too: the runtime's copy lacks @aws-sdk/lib-storage and may lag the pinned version.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, outputDir: string) => [
            `cp ${JSON.stringify(props.orgsFile)} ${JSON.stringify(`${outputDir}/orgs.json`)}`,
          ],
        },
      },
    });
  }

  /** Read raw mail and attachments, write parsed mail, outcomes and the ledger. */
  bindMailBucket(bucket: IBucket): this {
    bucket.grantReadWrite(this);
    this.addEnvironment('MAIL_BUCKET', bucket.bucketName);
    return this;
  }

  bindQueue(envName: string, queue: IQueue): this {
    queue.grantSendMessages(this);
    this.addEnvironment(envName, queue.queueUrl);
    return this;
  }

  /** Read the per-org Salesforce secrets under `prefix` (and nothing else). */
  bindSalesforceSecrets(prefix: string): this {
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${prefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    this.addEnvironment('SALESFORCE_SECRET_PREFIX', prefix);
    this.addEnvironment('SALESFORCE_CREDENTIALS', 'secrets-manager');
    return this;
  }
}
