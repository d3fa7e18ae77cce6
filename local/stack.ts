/**
 * The whole pipeline on one machine: fauxqs (S3/SNS/SQS), an SMTP server standing in for SES
 * receiving, Lambda-like runners feeding the real handlers, and the Salesforce emulator (or a
 * real org when SF_* credentials are set). Used by `npm start`, `npm run demo` and the
 * end-to-end tests.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNoticesHandler } from '#functions/notices/handler.ts';
import { noticesDepsFromEnv } from '#functions/notices/wiring.ts';
import { createParseHandler } from '#functions/parse/handler.ts';
import { parseDepsFromEnv } from '#functions/parse/wiring.ts';
import { createSyncHandler } from '#functions/sync/handler.ts';
import { type SyncDeps, syncDepsFromEnv } from '#functions/sync/wiring.ts';
import { readOutboxFile } from '#shared/adapters/outbox-outbound-mail.ts';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { captureAddressOf, isRetired, type Registry } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import type { FairnessSettings } from '#shared/domain/fairness.ts';
import { ConfigError } from '#shared/errors.ts';
import { type LocalAws, startLocalAws } from './aws.ts';
import { takeLock } from './data-lock.ts';
import { type DigestSchedule, startDigestSchedule } from './digest-schedule.ts';
import { outboxMessages } from './outbox.ts';
import { renderPage } from './page.ts';
import { type QueueRunner, type SqsHandler, startQueueRunner, type WindowClock } from './runner.ts';
import { applySetup } from './salesforce/apply-setup.ts';
import { saveStateFile } from './salesforce/persistence.ts';
import { type SalesforceEmulator, type SeedData, startSalesforceEmulator } from './salesforce/server.ts';
import { type SmtpInboundOptions, startSmtpInbound } from './smtp-inbound.ts';

export const defaultConfigPath = fileURLToPath(new URL('./demo/orgs.json', import.meta.url));
export const defaultSeedPath = fileURLToPath(new URL('./demo/seed.json', import.meta.url));

export interface LocalStackOptions {
  smtpPort?: number;
  /** fauxqs (S3/SNS/SQS) port; 0 picks a free one. */
  awsPort?: number;
  sfPort?: number;
  configPath?: string;
  seedPath?: string;
  /** Real Salesforce credentials (SF_* variables); without them the emulator is used. */
  salesforceEnv?: Record<string, string | undefined>;
  /** Honour X-Capture-Test-Verdicts headers (tests only). */
  allowTestVerdicts?: boolean;
  /** Shorter visibility timeouts so retries happen quickly (tests, soak). */
  visibilityTimeoutSeconds?: { intake?: number; sync?: number };
  /**
   * Shorter batching windows (tests): a runner waits this long for more messages before it
   * invokes the function, instead of the event source's window (1 s intake, 2 s sync).
   */
  batchingWindowSeconds?: { intake?: number; sync?: number };
  /** The clock the batching windows are measured on (tests: a fake one, so windows cost no waiting). */
  windowClock?: WindowClock;
  /** Failed records and batches come back after this many seconds instead (soak). */
  failureBackoffSeconds?: number;
  /** Interface every local server listens on (default 127.0.0.1: this machine only). */
  host?: string;
  /** More Host header names the HTTP servers answer besides loopback ones and `host` (`*`: any). */
  allowedHosts?: string[];
  /** Wraps a handler (tests inject crashes with it). */
  wrapHandler?: (name: 'parse' | 'sync', handler: SqsHandler) => SqsHandler;
  /**
   * Keeps queues, objects and emulator records in this directory across restarts (see
   * dataPaths); everything lives in memory when omitted.
   */
  dataDir?: string;
  /** With dataDir: forget what an earlier run kept and start empty. */
  fresh?: boolean;
  /**
   * Fairness settings instead of the deployed ones (tests: budgets and hand-back delays of
   * milliseconds and seconds, not the 30 s budget of a real org).
   */
  fairness?: Partial<FairnessSettings>;
  /**
   * The emulator as a new org (CAPTURE_SF_FRESH=1): no Capture fields, no permission set,
   * field-level security on. By default the org is ready: `capture salesforce setup` applied.
   */
  salesforceFresh?: boolean;
  /** The emulator's daily API request limit (CAPTURE_SF_API_LIMIT); default 100,000. */
  salesforceApiLimit?: number;
  /** Runs between the S3 write and the SNS publish of each received mail (the soak crashes there). */
  beforePublish?: SmtpInboundOptions['beforePublish'];
  /** Handler failures the runners report (default: one line on stderr each). */
  onHandlerError?: (name: 'parse' | 'sync' | 'notices', error: unknown) => void;
  /** Where notices and digests are kept as .eml files. @default <dataDir>/outbox, else a new temp folder */
  outboxDir?: string;
  /** The notices' rate-limit window per rep. @default pipeline.notices.windowSeconds (600) */
  noticeWindowSeconds?: number;
  /** The notices function's clock (rate limit, digest hour); tests move it. @default the system clock */
  now?: () => Date;
}

/** What the stack keeps inside a data directory; nothing else there is touched. */
export function dataPaths(dataDir: string): {
  aws: string;
  salesforce: string;
  outbox: string;
  lock: string;
} {
  return {
    aws: join(dataDir, 'aws'),
    salesforce: join(dataDir, 'salesforce.json'),
    outbox: join(dataDir, 'outbox'),
    lock: join(dataDir, 'lock'),
  };
}

/** One stack per data directory (data-lock.ts). Returns the release. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  return takeLock(dataPaths(dataDir).lock, dataDir);
}

export interface LocalStack {
  registry: Registry;
  captureAddresses: { address: string; mode: string; orgId: string }[];
  smtpPort: number;
  salesforceUrl: string;
  emulator: SalesforceEmulator | null;
  aws: LocalAws;
  outcomes: S3MailStore;
  /** The folder notices and digests go to, one .eml file each. */
  outboxDir: string;
  /** The hourly digest schedule (EventBridge in AWS): `fire(at)` runs the hour of `at` now. */
  digests: DigestSchedule;
  /**
   * Resolves when every queue is empty and nothing is in flight, or only the named stage's (a
   * notice held for the end of its rep's window, a delayed message minutes away, is not work in flight).
   */
  idle(stage?: 'parse' | 'sync'): Promise<void>;
  /** Whether the stage's function is handling (or gathering) a batch right now. */
  busy(stage: 'parse' | 'sync'): boolean;
  stop(): Promise<void>;
}

/** Which of the stack's servers could not listen, and on which port (start.ts names the variable). */
export type StackService = 'smtp' | 'aws' | 'salesforce';

export class PortInUseError extends ConfigError {
  readonly service: StackService;
  readonly port: number;
  constructor(service: StackService, port: number, cause: unknown) {
    super('PORT_IN_USE', `port ${port} (${service}) is already in use`, { cause });
    this.service = service;
    this.port = port;
  }
}

/** Starts one server; a port another process holds becomes a PortInUseError naming the service. */
async function listening<T>(service: StackService, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(service, port, error);
    throw error;
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const configPath = options.configPath ?? defaultConfigPath;
  const registry = loadRegistryFile(configPath);
  // What started so far, closed in reverse when a later step fails (a port in use, a bad seed).
  const started: (() => Promise<void> | void)[] = [];
  try {
    return await startParts(options, configPath, registry, started);
  } catch (error) {
    for (const close of started.reverse()) await Promise.resolve(close()).catch(() => {});
    throw error;
  }
}

/** The data directory locked for this process (and emptied with `fresh`), or null without one. */
function claimDataDir(options: LocalStackOptions, started: (() => Promise<void> | void)[]) {
  const data = options.dataDir ? dataPaths(options.dataDir) : null;
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  started.push(unlock);
  if (data && options.fresh) {
    rmSync(data.aws, { recursive: true, force: true });
    rmSync(data.salesforce, { force: true });
    rmSync(data.outbox, { recursive: true, force: true });
  }
  return { data, unlock };
}

/** The local page: capture addresses, Tasks, outcomes and the outbox, read afresh on every request. */
function localPage(
  store: S3MailStore,
  captureAddresses: { address: string }[],
  outboxDir: string,
  emulator: () => SalesforceEmulator | null,
): (res: ServerResponse) => Promise<void> {
  return async (res) => {
    const outcomes = await store.list().catch(() => []);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      renderPage({
        captureAddresses: captureAddresses.map((a) => a.address),
        tasks: emulator()?.records('Task') ?? [],
        outcomes,
        names: nameIndex(emulator()),
        outbox: await outboxMessages(outboxDir).catch(() => []),
        outboxDir,
      }),
    );
  };
}

/** The SES receiving stand-in on the stack's S3 bucket and SNS topic. */
function startSmtp(options: LocalStackOptions, registry: Registry, aws: LocalAws) {
  const smtpPort = options.smtpPort ?? 2525;
  return listening('smtp', smtpPort, () =>
    startSmtpInbound({
      port: smtpPort,
      ...(options.host ? { host: options.host } : {}),
      registry,
      s3: aws.clients.s3,
      bucket: aws.resources.bucket,
      sns: aws.clients.sns,
      topicArn: aws.resources.topicArn,
      allowTestVerdicts: options.allowTestVerdicts ?? false,
      ...(options.beforePublish ? { beforePublish: options.beforePublish } : {}),
    }),
  );
}

async function startParts(
  options: LocalStackOptions,
  configPath: string,
  registry: Registry,
  started: (() => Promise<void> | void)[],
): Promise<LocalStack> {
  const sfEnv = options.salesforceEnv ?? {};
  const realSalesforce = Boolean(sfEnv.SF_LOGIN_URL && sfEnv.SF_CLIENT_ID);
  const { data, unlock } = claimDataDir(options, started);
  const outboxDir = options.outboxDir ?? data?.outbox ?? mkdtempSync(join(tmpdir(), 'capture-outbox-'));
  const awsPort = options.awsPort ?? 0;
  const aws = await listening('aws', awsPort, () =>
    startLocalAws({
      port: awsPort,
      ...(options.host ? { host: options.host } : {}),
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
      ...(data ? { dataDir: data.aws } : {}),
    }),
  );
  started.push(() => aws.close());
  const store = new S3MailStore(aws.clients.s3, aws.resources.bucket);
  // Retired addresses refuse mail: not worth printing as ones to send to.
  const captureAddresses = registry.orgs.flatMap((org) =>
    org.addresses
      .filter((a) => !isRetired(a, new Date()))
      .map((a) => ({ address: captureAddressOf(registry, a), mode: a.mode, orgId: org.id })),
  );

  let emulator: SalesforceEmulator | null = null;
  if (!realSalesforce) {
    const sfPort = options.sfPort ?? 8484;
    const page = localPage(store, captureAddresses, outboxDir, () => emulator);
    const running = await listening('salesforce', sfPort, () =>
      startEmulator(options, registry, data?.salesforce ?? null, page, outboxDir),
    );
    emulator = running;
    started.push(() => running.close());
  }
  const salesforceUrl = emulator ? emulator.url : (sfEnv.SF_LOGIN_URL ?? '');
  const handlers = handlersFor(aws, configPath, realSalesforce ? sfEnv : null, emulator, data, {
    ...options,
    outboxDir,
  });
  const runners = startRunners(aws, handlers, options);
  started.push(() => Promise.all(runners.all.map((r) => r.stop())).then(() => {}));
  const digests = startDigestSchedule(handlers.notices, options.now ?? (() => new Date()));
  started.push(() => digests.stop());
  const smtp = await startSmtp(options, registry, aws);

  let stopped = false;
  return {
    registry,
    captureAddresses,
    smtpPort: smtp.port,
    salesforceUrl,
    emulator,
    aws,
    outcomes: store,
    outboxDir,
    digests,
    busy: (stage) => runners[stage].some((r) => r.stats().inFlight > 0),
    idle: (stage) => idleRunners(runners, stage),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await smtp.close(); // no new mail first, then drain what is in flight
      digests.stop();
      await Promise.all(runners.all.map((r) => r.stop()));
      await aws.close();
      await emulator?.close();
      unlock();
    },
  };
}

/**
 * Waits until a stage, or the whole stack, has nothing to do. The parse stage feeds the sync
 * stage: both must be quiet twice in a row. The notices runner's delayed messages are timers
 * (the end of a notice window), not work.
 */
async function idleRunners(runners: StageRunners, stage?: 'parse' | 'sync'): Promise<void> {
  const watched = stage ? runners[stage] : runners.all;
  for (let quiet = 0; quiet < 2; ) {
    const before = watched.map((r) => r.stats().processed).join();
    for (const r of watched) await r.idle({ delayed: r !== runners.notices });
    const after = watched.map((r) => r.stats().processed).join();
    quiet = before === after ? quiet + 1 : 0;
  }
}

/** The Lambda handlers, wired as the CDK stack wires them, pointed at the local services. */
function handlersFor(
  aws: LocalAws,
  configPath: string,
  sfEnv: Record<string, string | undefined> | null,
  emulator: SalesforceEmulator | null,
  data: ReturnType<typeof dataPaths> | null,
  options: LocalStackOptions,
): { parse: SqsHandler; sync: SqsHandler; notices: ReturnType<typeof createNoticesHandler> } {
  const functionEnv = functionEnvFor(aws, configPath, sfEnv ?? emulator?.url ?? '');
  const clients = { s3: aws.clients.s3, sqs: aws.clients.sqs };
  const wrap = options.wrapHandler ?? ((_name, handler) => handler);
  const parse = wrap(
    'parse',
    createParseHandler(() => parseDepsFromEnv(functionEnv, clients)),
  );
  const sync = wrap(
    'sync',
    createSyncHandler(() => withFairness(syncDepsFromEnv(functionEnv, clients), options.fairness)),
  );
  // Notices go to the outbox folder instead of SES.
  const notices = createNoticesHandler(() =>
    noticesDepsFromEnv(
      {
        ...functionEnv,
        NOTICE_TRANSPORT: 'outbox',
        CAPTURE_OUTBOX_DIR: options.outboxDir,
        ...(options.noticeWindowSeconds !== undefined
          ? { NOTICE_WINDOW_SECONDS: String(options.noticeWindowSeconds) }
          : {}),
      },
      { ...clients, ...(options.now ? { now: options.now } : {}) },
    ),
  );
  return { parse, sync: data && emulator ? savingFirst(sync, data.salesforce, emulator) : sync, notices };
}

/** The sync function's dependencies with some fairness settings replaced (tests). */
function withFairness(deps: SyncDeps, settings: Partial<FairnessSettings> | undefined): SyncDeps {
  if (!settings || !deps.fairness) return deps;
  return { ...deps, fairness: { ...deps.fairness, settings: { ...deps.fairness.settings, ...settings } } };
}

/** The emulator's connected app for an org: `local-<orgId>` (secret `local`). */
export const localClientId = (orgId: string) => `local-${orgId}`;

/** The environment the Lambda functions get from the CDK stack, pointed at the local services. */
function functionEnvFor(
  aws: LocalAws,
  configPath: string,
  salesforce: Record<string, string | undefined> | string,
): Record<string, string | undefined> {
  return {
    MAIL_BUCKET: aws.resources.bucket,
    CAPTURE_CONFIG: configPath,
    AWS_REGION: aws.region,
    SYNC_QUEUE_URL: aws.resources.syncQueueUrl,
    LINES_QUEUE_URL: aws.resources.linesQueueUrl,
    INTAKE_DLQ_URL: aws.resources.intakeDlqUrl,
    SYNC_DLQ_URL: aws.resources.syncDlqUrl,
    NOTICE_QUEUE_URL: aws.resources.noticesQueueUrl,
    SALESFORCE_CREDENTIALS: 'env',
    ...(typeof salesforce === 'string'
      ? { SF_LOGIN_URL: salesforce, SF_CLIENT_ID: localClientId('{org}'), SF_CLIENT_SECRET: 'local' }
      : salesforce),
  };
}

/** The emulator with the status page at its root; unless fresh, with setup applied as an admin would. */
async function startEmulator(
  options: LocalStackOptions,
  registry: Registry,
  dataFile: string | null,
  servePage: (res: ServerResponse) => Promise<void>,
  outboxDir: string,
): Promise<SalesforceEmulator> {
  const emulator = await startSalesforceEmulator({
    port: options.sfPort ?? 8484,
    ...(options.host ? { host: options.host } : {}),
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    seed: readSeed(options.seedPath ?? defaultSeedPath),
    // Each org logs in with a connected app of its own, so a fault (latency) can hit one org only.
    connectedApps: registry.orgs.map((org) => ({ clientId: localClientId(org.id), clientSecret: 'local' })),
    // An existing data file wins over the seed.
    ...(dataFile ? { dataFile } : {}),
    ...(options.salesforceFresh ? { fresh: true } : {}),
    ...(options.salesforceApiLimit ? { dailyApiLimit: options.salesforceApiLimit } : {}),
    extraRoutes: (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET') return false;
      if (req.url?.startsWith('/outbox/')) {
        void serveOutboxFile(res, outboxDir, decodeURIComponent(req.url.slice('/outbox/'.length)));
        return true;
      }
      if (req.url !== '/' && req.url !== '/index.html') return false;
      void servePage(res);
      return true;
    },
  });
  if (!options.salesforceFresh) await applySetup(emulator.url);
  return emulator;
}

/** One outbox message as it was sent (message/rfc822: a mail client opens it). */
async function serveOutboxFile(res: ServerResponse, dir: string, file: string): Promise<void> {
  const raw = await readOutboxFile(dir, file);
  if (!raw) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('no such outbox message\n');
    return;
  }
  res.writeHead(200, {
    'content-type': 'message/rfc822',
    'content-disposition': `inline; filename="${file}"`,
  });
  res.end(raw);
}

/**
 * Salesforce has committed a Task once it answers; the emulator saves its file a moment later.
 * Saving before the runner deletes the batch keeps a crash in between from losing a Task whose
 * message is already gone.
 */
function savingFirst(handler: SqsHandler, file: string, emulator: SalesforceEmulator): SqsHandler {
  return async (event, context) => {
    const response = await handler(event, context);
    saveStateFile(file, emulator.exportState());
    return response;
  };
}

/** Each stage's runners: parse works two queues (intake, then the org lines). */
interface StageRunners {
  parse: QueueRunner[];
  sync: QueueRunner[];
  notices: QueueRunner;
  all: QueueRunner[];
}

/** One runner per queue, with the batch settings and timeouts the Lambda event sources get. */
function startRunners(
  aws: LocalAws,
  handlers: { parse: SqsHandler; sync: SqsHandler; notices: SqsHandler },
  options: LocalStackOptions,
): StageRunners {
  const { intake, lines, sync, notices } = pipeline.queues;
  const stages = [
    // Routing takes a few milliseconds a mail: one poller keeps up with any burst this machine
    // takes, and leaves the thread to the pollers that parse (docs/fairness.md).
    { name: 'parse', queueUrl: aws.resources.intakeQueueUrl, queue: intake, stage: 'intake', concurrency: 1 },
    { name: 'parse', queueUrl: aws.resources.linesQueueUrl, queue: lines, stage: 'intake', concurrency: 2 },
    // As many pollers as the deployed event source may run at once.
    {
      name: 'sync',
      queueUrl: aws.resources.syncQueueUrl,
      queue: sync,
      stage: 'sync',
      concurrency: sync.maxConcurrency,
    },
    // One at a time: fauxqs ignores S3's conditional writes, which keep AWS invocations apart.
    { name: 'notices', queueUrl: aws.resources.noticesQueueUrl, queue: notices, stage: null, concurrency: 1 },
  ] as const;
  const all = stages.map(({ name, queueUrl, queue, stage, concurrency }) =>
    startQueueRunner({
      name,
      sqs: aws.clients.sqs,
      queueUrl,
      handler: handlers[name],
      batchSize: queue.batchSize,
      maxBatchingWindowSeconds:
        (stage && options.batchingWindowSeconds?.[stage]) ?? queue.maxBatchingWindowSeconds,
      visibilityTimeoutSeconds:
        (stage && options.visibilityTimeoutSeconds?.[stage]) ?? queue.visibilityTimeoutSeconds,
      timeoutSeconds: pipeline.functions[name].timeoutSeconds,
      concurrency,
      ...(options.windowClock ? { windowClock: options.windowClock } : {}),
      ...(options.failureBackoffSeconds !== undefined
        ? { failureBackoffSeconds: options.failureBackoffSeconds }
        : {}),
      ...(options.onHandlerError ? { onError: (e: unknown) => options.onHandlerError?.(name, e) } : {}),
    }),
  );
  const [intakeRunner, linesRunner, syncRunner, noticesRunner] = all as [
    QueueRunner,
    QueueRunner,
    QueueRunner,
    QueueRunner,
  ];
  return { parse: [intakeRunner, linesRunner], sync: [syncRunner], notices: noticesRunner, all };
}

function readSeed(path: string): SeedData {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SeedData;
  } catch (error) {
    throw new ConfigError(
      'SEED_UNREADABLE',
      `Salesforce seed ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Id → readable name (User email, Contact/Lead name, Order number…) for the status page. */
export function nameIndex(emulator: SalesforceEmulator | null): (id: unknown) => string {
  if (!emulator) return (id) => String(id ?? '');
  const names = new Map<string, string>();
  for (const type of ['User', 'Contact', 'Lead', 'Account', 'Order', 'Opportunity']) {
    for (const r of emulator.records(type)) {
      const label = (r.Email ?? r.Name ?? r.OrderNumber ?? r.LastName ?? r.Id) as string;
      names.set(String(r.Id), `${label} (${type})`);
    }
  }
  return (id) => (id ? (names.get(String(id)) ?? String(id)) : '');
}
