/**
 * `npm start [-- --fresh]`: the whole pipeline on this machine (docs/local-stack.md). Options and
 * environment variables are listed once, in USAGE below, which `npm start -- --help` prints.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeLocation, registryLocation } from '#shared/config/registry-location.ts';
import { describeError } from '#shared/errors.ts';
import { allowedHostsFromEnv, listenHostFromEnv } from './loopback.ts';
import { emulatorOrgFromEnv } from './salesforce/env.ts';
import { INTEGRATION_USERNAME } from './salesforce/object-security.ts';
import { type LocalStackOptions, PortInUseError, type StackService, startLocalStack } from './stack.ts';

const USAGE = `usage: npm start [-- --fresh]

Runs the whole pipeline on this machine: an SMTP server standing in for SES receiving, fauxqs
for S3/SNS/SQS, the parse and sync handlers, and a Salesforce emulator with a demo org. Prints
the capture addresses and "ready" once it takes mail; Ctrl-C (SIGINT) or SIGTERM stops it.

Options:
  --fresh     forget what an earlier run kept in the data folder and start empty
  -h, --help  print this help

Environment:
  CAPTURE_SMTP_PORT             SMTP port of the SES stand-in (default 2525; 0 picks a free one)
  CAPTURE_AWS_PORT              fauxqs (S3, SNS, SQS) port, for AWS_ENDPOINT_URL (default 4566)
  CAPTURE_SF_PORT               Salesforce emulator and status page port (default 8484)
  CAPTURE_CONFIG                org registry file (default: orgs.json in this folder, else the
                                demo registry local/demo/orgs.json)
  CAPTURE_SF_SEED               records to seed the emulator with (default local/demo/seed.json)
  CAPTURE_LISTEN_HOST           the interface every server listens on (default 127.0.0.1:
                                this machine only)
  CAPTURE_ALLOWED_HOSTS         more Host names the HTTP servers answer, comma-separated
                                (loopback names always; * for any)
  CAPTURE_DATA_DIR              where queues, objects and emulator records are kept across
                                restarts (default .capture/)
  CAPTURE_TEST_VERDICTS         1: take spam/virus/SPF/DKIM/DMARC verdicts from an
                                X-Capture-Test-Verdicts header (off by default)
  CAPTURE_BATCH_WINDOW_SECONDS  the parse and sync queues' batching window in seconds
                                (default: none for intake and lines, 1 for sync)
  CAPTURE_SF_FRESH              1: start the Salesforce emulator like a new org (no Capture
                                fields or permission set, field-level security on, an API-only
                                integration user; the setup its admin runs is printed); by
                                default \`capture salesforce setup\` is applied at start
  CAPTURE_SF_API_LIMIT          the emulator's daily API request limit (default 100000)
  SF_LOGIN_URL, SF_CLIENT_ID, SF_CLIENT_SECRET (or SF_USERNAME, SF_PRIVATE_KEY_FILE)
                                write to that Salesforce org instead of the emulator
`;

/** The variable that sets each server's port, for the error when the port is taken. */
const PORT_VARIABLES: Record<StackService, { variable: string; what: string }> = {
  smtp: { variable: 'CAPTURE_SMTP_PORT', what: 'the SMTP stand-in' },
  aws: { variable: 'CAPTURE_AWS_PORT', what: 'fauxqs (S3/SNS/SQS)' },
  salesforce: { variable: 'CAPTURE_SF_PORT', what: 'the Salesforce emulator' },
};

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

/** The parse and sync queues' batching window, when set: tests wait for the pipeline, not for windows to close. */
function batchingWindow(): Pick<LocalStackOptions, 'batchingWindowSeconds'> {
  const value = process.env.CAPTURE_BATCH_WINDOW_SECONDS;
  if (value === undefined || value === '') return {};
  const seconds = Number(value);
  if (!(seconds > 0 && seconds <= 300))
    throw new Error(
      `CAPTURE_BATCH_WINDOW_SECONDS must be a number of seconds above 0 up to 300, got "${value}"`,
    );
  return { batchingWindowSeconds: { intake: seconds, sync: seconds } };
}

/** The command line: `--fresh`, `--help`; anything else is a usage mistake (exit 2). */
function flags(): { fresh: boolean } {
  let values: { fresh?: boolean; help?: boolean };
  try {
    values = parseArgs({
      options: { fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    console.error(`error: ${describeError(error)} (npm start -- --help lists the options)`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return { fresh: values.fresh ?? false };
}

/** One line naming what went wrong and the variable that fixes it. */
function startFailure(error: unknown): string {
  if (error instanceof PortInUseError) {
    const { variable, what } = PORT_VARIABLES[error.service];
    return `port ${error.port} for ${what} is already in use (another npm start?); stop what holds it or set ${variable} to a free port (0 picks one)`;
  }
  return describeError(error);
}

async function main(): Promise<void> {
  const { fresh } = flags();
  const dataDir = resolve(process.env.CAPTURE_DATA_DIR || '.capture');
  const registry = registryLocation({ demoFallback: true });
  const emulatorOrg = emulatorOrgFromEnv(process.env);
  const stack = await startLocalStack({
    dataDir,
    fresh,
    smtpPort: port('CAPTURE_SMTP_PORT', 2525),
    awsPort: port('CAPTURE_AWS_PORT', 4566),
    sfPort: port('CAPTURE_SF_PORT', 8484),
    // This machine only, unless asked: CAPTURE_LISTEN_HOST, CAPTURE_ALLOWED_HOSTS (local/loopback.ts).
    host: listenHostFromEnv(),
    allowedHosts: allowedHostsFromEnv(),
    configPath: registry.path,
    ...(process.env.CAPTURE_SF_SEED ? { seedPath: process.env.CAPTURE_SF_SEED } : {}),
    // X-Capture-Test-Verdicts (try the sender rules locally) only when asked for, never by default.
    allowTestVerdicts: process.env.CAPTURE_TEST_VERDICTS === '1',
    ...batchingWindow(),
    ...emulatorOrg,
    salesforceEnv: {
      SF_LOGIN_URL: process.env.SF_LOGIN_URL,
      SF_CLIENT_ID: process.env.SF_CLIENT_ID,
      SF_CLIENT_SECRET: process.env.SF_CLIENT_SECRET,
      SF_USERNAME: process.env.SF_USERNAME,
      SF_PRIVATE_KEY_FILE: process.env.SF_PRIVATE_KEY_FILE,
    },
  });
  console.log(`org registry: ${describeLocation(registry)}`);
  for (const a of stack.captureAddresses) {
    console.log(`capture address (${a.mode}, org ${a.orgId}): ${a.address}`);
  }
  console.log(`smtp: localhost:${stack.smtpPort}`);
  console.log(`aws (S3/SNS/SQS): ${stack.aws.endpoint}  (AWS_ENDPOINT_URL for capture status / replay)`);
  console.log(
    stack.emulator
      ? `salesforce emulator: ${stack.salesforceUrl}  (open it in a browser: Tasks and outcomes)`
      : `salesforce: ${stack.salesforceUrl}`,
  );
  // A new org: mail fails by name until its admin sets it up for the integration user, as the README's step 3.
  if (stack.emulator && emulatorOrg.salesforceFresh)
    console.log(
      `salesforce setup, a new org: SF_LOGIN_URL=${stack.salesforceUrl} SF_CLIENT_ID=local SF_CLIENT_SECRET=local npx capture salesforce setup --user ${INTEGRATION_USERNAME}`,
    );
  console.log(
    `outbox: ${stack.outboxDir}  (notices and digests Capture sends, one .eml each; listed on the page)`,
  );
  console.log(
    `data: ${dataDir}  (kept across restarts${stack.aws.restoredInFlight ? `; ${stack.aws.restoredInFlight} unfinished messages handed back` : ''}; npm start -- --fresh starts empty)`,
  );
  console.log('ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight mail and stopping`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error: ${describeError(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

try {
  await main();
} catch (error) {
  console.error(`error: ${startFailure(error)}`);
  process.exit(1);
}
