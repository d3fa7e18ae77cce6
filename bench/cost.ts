/**
 * What running Capture costs, from what a bench run measured: AWS requests by service and
 * operation, bytes stored by prefix, function invocations and their durations, log bytes, and
 * Salesforce requests and bytes. Pure arithmetic over one table of prices and one of model
 * assumptions (what a local run cannot measure: network round trips inside AWS and to
 * Salesforce, Lambda's own log lines, fixed monthly charges spread over a reference volume).
 *
 * Prices: us-east-1 on-demand list prices, free tiers left out, checked on PRICES.asOf.
 */

export const PRICES = {
  asOf: '2026-12-06',
  region: 'us-east-1',
  /** SES receiving (a la carte): per email received, plus per 256 KB chunk of it (each mail is at least one). */
  sesPerEmailReceived: 0.1 / 1000,
  sesPerIncomingChunk: 0.09 / 1000,
  sesChunkBytes: 256 * 1024,
  /** S3 Standard: PUT, COPY, POST and LIST requests; GET, HEAD and the rest; DELETE and lifecycle expiry are free. */
  s3PerWriteRequest: 0.005 / 1000,
  s3PerReadRequest: 0.0004 / 1000,
  s3PerGbMonth: 0.023,
  /** SQS standard queues, per request of up to 64 KB (SSE-SQS is free). */
  sqsPerRequest: 0.4 / 1_000_000,
  /** SNS standard topic publishes, per 64 KB; deliveries to SQS are free on SNS's side. */
  snsPerRequest: 0.5 / 1_000_000,
  /** Lambda on arm64: per GB-second (first tier) and per invocation. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Secrets Manager: per secret per month, per API call. */
  secretPerMonth: 0.4,
  secretsPerApiCall: 0.05 / 10_000,
  /** CloudWatch: log ingestion and storage, custom metrics, standard alarms, dashboards (beyond the free three). */
  logsPerGbIngested: 0.5,
  logsPerGbMonthStored: 0.03,
  metricPerMonth: 0.3,
  alarmPerMonth: 0.1,
  dashboardPerMonth: 3,
  /** KMS: the mail topic's customer managed key (infra/constructs/inbound-mail.ts), and its requests. */
  kmsKeyPerMonth: 1,
  kmsPerRequest: 0.03 / 10_000,
  /** Data transfer out to the internet (Salesforce), first tier. */
  dataTransferOutPerGb: 0.09,
} as const;

export type Prices = typeof PRICES;

/** What a local run cannot measure, and the stack's fixed parts (see infra/). */
export const MODEL = {
  /** Fixed monthly charges are spread over this volume (docs: "one million emails a day"). */
  referenceEmailsPerDay: 1_000_000,
  daysPerMonth: 30.4,
  /** Lambda gives a function one vCPU at 1,769 MB, and a share in proportion below that. */
  lambdaMbPerVcpu: 1769,
  /** An S3 or SQS request made by a function, in-region: added to its duration. */
  awsRoundTripSeconds: 0.015,
  /** A Salesforce REST request from Lambda: added to the sync function's duration. */
  salesforceRoundTripSeconds: 0.25,
  /** Request line, headers, bearer token and TLS framing per Salesforce request. */
  salesforceRequestOverheadBytes: 1_500,
  /** Lambda's START, END and REPORT lines per invocation. */
  platformLogBytesPerInvocation: 350,
  /** The embedded-metric-format line Powertools writes per invocation (outcome counts). */
  metricLogBytesPerInvocation: 600,
  /** S3 server access log record per request to the mail bucket, kept in the log bucket. */
  accessLogBytesPerRequest: 400,
  accessLogRetentionDays: 365,
  /** infra/constructs/mail-bucket.ts defaults. */
  mailRetentionDays: 30,
  outcomeRetentionDays: 400,
  /** Log groups keep a month (infra/pipeline-function.ts). */
  logRetentionDays: 30,
  /** The sync function reads an org's secret once per warm instance every 5 minutes. */
  secretRefreshSeconds: 300,
  syncInstances: 2,
  /** SNS reuses a KMS data key for up to 5 minutes; SQS for its reuse period (5 minutes). */
  kmsRequestsPerMonth: (2 * (30.4 * 24 * 3600)) / 300,
  /** infra/constructs/monitoring.ts: DLQ and backlog alarms for two queues, one dashboard; Outcome_* metrics. */
  alarms: 4,
  dashboards: 1,
  customMetrics: 7,
  kmsKeys: 1,
} as const;

export type Model = typeof MODEL;

/** What one bench pass measured, for `emails` emails sent. */
export interface CostMeasurement {
  emails: number;
  /** AWS requests by who made them and `Service.Operation`, e.g. { parse: { 'S3.GetObject': 100 } }. */
  awsRequests: Record<'parse' | 'sync' | 'outside', Record<string, number>>;
  /** Sizes of the raw messages stored (SES's write), for SES chunks and storage. */
  rawBytes: number[];
  /** Bytes written under the mail-retention prefixes (parsed/, attachments/, unresolved/), raw/ excluded. */
  retainedBytes: number;
  /** Bytes written under outcomes/ and index/ (kept 400 days). */
  outcomeBytes: number;
  /** Function invocations and the wall-clock seconds they ran on this machine. */
  invocations: Record<'parse' | 'sync', { count: number; seconds: number }>;
  /**
   * CPU seconds the whole process used during the pass: more than the functions' own (the SMTP,
   * S3/SQS and Salesforce stand-ins run in it too), and, unlike wall time, not inflated by other
   * work on a shared machine.
   */
  cpuSeconds: number;
  /** Bytes of the functions' own log lines at their deployed level (INFO). */
  logBytes: number;
  salesforceRequests: number;
  /** Bytes of the records written to Salesforce (request bodies, without overhead). */
  salesforceBytes: number;
  /** Orgs in the registry the pass ran with (one secret each). */
  orgs: number;
}

export interface CostResult {
  usdPerMillion: Record<string, number>;
  salesforceCallsPerMillion: number;
  pricesAsOf: string;
}

/** Memory of each function (shared/config/pipeline.ts), in MB. */
export interface FunctionMemory {
  parseMB: number;
  syncMB: number;
}

const GB = 1e9;
const MILLION = 1_000_000;

const WRITE_OPS = new Set([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'ListObjectsV2',
  'ListObjects',
]);
const FREE_OPS = new Set(['DeleteObject', 'DeleteObjects', 'AbortMultipartUpload']);

function requestsOf(m: CostMeasurement, service: string): [string, number][] {
  return Object.values(m.awsRequests).flatMap((byOp) =>
    Object.entries(byOp)
      .filter(([key]) => key.startsWith(`${service}.`))
      .map(([key, n]) => [key.slice(service.length + 1), n] as [string, number]),
  );
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Requests a function made itself (not SES's writes, not the event source's polling). */
function functionRequests(m: CostMeasurement, stage: 'parse' | 'sync'): number {
  return sum(Object.values(m.awsRequests[stage]));
}

/**
 * Seconds a stage's invocations would run on Lambda: its part of the CPU time (split by the wall
 * time each stage ran) at the vCPU share its memory buys, plus the network round trips it waits
 * on there (its own S3 and SQS requests; Salesforce's for sync).
 */
export function lambdaSeconds(
  m: CostMeasurement,
  stage: 'parse' | 'sync',
  memoryMB: number,
  model: Model = MODEL,
) {
  const wall = m.invocations.parse.seconds + m.invocations.sync.seconds;
  const cpu = wall > 0 ? (m.cpuSeconds * m.invocations[stage].seconds) / wall : 0;
  const vcpu = Math.min(1, memoryMB / model.lambdaMbPerVcpu);
  return (
    cpu / vcpu +
    functionRequests(m, stage) * model.awsRoundTripSeconds +
    (stage === 'sync' ? m.salesforceRequests * model.salesforceRoundTripSeconds : 0)
  );
}

/** USD for the whole pass, by service (before scaling to a million). */
function passCost(m: CostMeasurement, memory: FunctionMemory, p: Prices, model: Model) {
  const s3 = requestsOf(m, 'S3').filter(([op]) => !FREE_OPS.has(op));
  const s3Requests = sum(s3.map(([, n]) => n));
  const s3Writes = sum(s3.filter(([op]) => WRITE_OPS.has(op)).map(([, n]) => n));
  const chunks = sum(m.rawBytes.map((b) => Math.max(1, Math.ceil(b / p.sesChunkBytes))));
  const gbMonths = (bytes: number, days: number) => (bytes / GB) * (days / model.daysPerMonth);
  // SNS delivers each publish to the intake queue: one SQS request on the queue's side.
  const snsPublishes = sum(requestsOf(m, 'SNS').map(([, n]) => n));
  const sqsRequests = sum(requestsOf(m, 'SQS').map(([, n]) => n)) + snsPublishes;
  const gbSeconds =
    lambdaSeconds(m, 'parse', memory.parseMB, model) * (memory.parseMB / 1024) +
    lambdaSeconds(m, 'sync', memory.syncMB, model) * (memory.syncMB / 1024);
  const invocations = m.invocations.parse.count + m.invocations.sync.count;
  const logBytes =
    m.logBytes + invocations * (model.platformLogBytesPerInvocation + model.metricLogBytesPerInvocation);
  const salesforceBytes = m.salesforceBytes + m.salesforceRequests * model.salesforceRequestOverheadBytes;
  return {
    sesReceiving: m.emails * p.sesPerEmailReceived + chunks * p.sesPerIncomingChunk,
    s3Requests: s3Writes * p.s3PerWriteRequest + (s3Requests - s3Writes) * p.s3PerReadRequest,
    s3Storage:
      p.s3PerGbMonth *
      (gbMonths(sum(m.rawBytes) + m.retainedBytes, model.mailRetentionDays) +
        gbMonths(m.outcomeBytes, model.outcomeRetentionDays) +
        gbMonths(s3Requests * model.accessLogBytesPerRequest, model.accessLogRetentionDays)),
    sqs: sqsRequests * p.sqsPerRequest,
    sns: snsPublishes * p.snsPerRequest,
    lambda: gbSeconds * p.lambdaPerGbSecond + invocations * p.lambdaPerRequest,
    cloudWatchLogs:
      (logBytes / GB) * p.logsPerGbIngested +
      gbMonths(logBytes, model.logRetentionDays) * p.logsPerGbMonthStored,
    dataTransfer: (salesforceBytes / GB) * p.dataTransferOutPerGb,
  };
}

/** Charges that do not grow with mail, per month: secrets, keys, alarms, dashboard, metrics. */
export function monthlyFixed(orgs: number, p: Prices = PRICES, model: Model = MODEL) {
  const secretReads =
    orgs * model.syncInstances * ((model.daysPerMonth * 24 * 3600) / model.secretRefreshSeconds);
  return {
    secretsManager: orgs * p.secretPerMonth + secretReads * p.secretsPerApiCall,
    kms: model.kmsKeys * p.kmsKeyPerMonth + model.kmsRequestsPerMonth * p.kmsPerRequest,
    cloudWatch:
      model.alarms * p.alarmPerMonth +
      model.dashboards * p.dashboardPerMonth +
      model.customMetrics * p.metricPerMonth,
  };
}

const round = (n: number, digits = 4) => Number(n.toFixed(digits));

/**
 * USD per million captured emails by service, with the fixed monthly charges spread over the
 * reference volume, and Salesforce API requests per million.
 */
export function costPerMillion(
  m: CostMeasurement,
  memory: FunctionMemory,
  p: Prices = PRICES,
  model: Model = MODEL,
): CostResult {
  if (m.emails <= 0) throw new Error('cost: no emails measured');
  const scale = MILLION / m.emails;
  const pass = passCost(m, memory, p, model);
  const fixed = monthlyFixed(m.orgs, p, model);
  const millionsPerMonth = (model.referenceEmailsPerDay * model.daysPerMonth) / MILLION;
  const perMillion: Record<string, number> = {
    sesReceiving: pass.sesReceiving * scale,
    s3Requests: pass.s3Requests * scale,
    s3Storage: pass.s3Storage * scale,
    sqs: pass.sqs * scale,
    sns: pass.sns * scale,
    lambda: pass.lambda * scale,
    secretsManager: fixed.secretsManager / millionsPerMonth,
    cloudWatch: pass.cloudWatchLogs * scale + fixed.cloudWatch / millionsPerMonth,
    kms: fixed.kms / millionsPerMonth,
    dataTransfer: pass.dataTransfer * scale,
  };
  const usdPerMillion: Record<string, number> = {};
  for (const [service, usd] of Object.entries(perMillion)) usdPerMillion[service] = round(usd);
  usdPerMillion.total = round(
    Object.values(perMillion).reduce((a, b) => a + b, 0),
    2,
  );
  return {
    usdPerMillion,
    salesforceCallsPerMillion: Math.round(m.salesforceRequests * scale),
    pricesAsOf: p.asOf,
  };
}
