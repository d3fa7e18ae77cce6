/**
 * `npm start [-- --fresh]`: the whole pipeline on this machine (docs/local-stack.md). Env: CAPTURE_SMTP_PORT (2525),
 * CAPTURE_SF_PORT (8484), CAPTURE_AWS_PORT (4566, fauxqs), CAPTURE_CONFIG (demo org registry), CAPTURE_SF_SEED (demo seed);
 * CAPTURE_TEST_VERDICTS=1 to honour X-Capture-Test-Verdicts headers (off by default);
 * CAPTURE_BATCH_WINDOW_SECONDS sets both queues' batching window (default: the event sources' own,
 * none for intake and 1 s for sync; tests set a short one);
 * CAPTURE_DATA_DIR (.capture/) keeps queues, objects and emulator records across restarts, and
 * --fresh empties it first; SF_LOGIN_URL + SF_CLIENT_ID + SF_CLIENT_SECRET (or SF_USERNAME +
 * SF_PRIVATE_KEY_FILE) to write to a real Salesforce org instead of the emulator.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '#shared/errors.ts';
import { type LocalStackOptions, startLocalStack } from './stack.ts';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

/** Both queues' batching window, when set: tests wait for the pipeline, not for windows to close. */
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

try {
  const { values: flags } = parseArgs({ options: { fresh: { type: 'boolean', default: false } } });
  const dataDir = resolve(process.env.CAPTURE_DATA_DIR || '.capture');
  const stack = await startLocalStack({
    dataDir,
    fresh: flags.fresh,
    smtpPort: port('CAPTURE_SMTP_PORT', 2525),
    awsPort: port('CAPTURE_AWS_PORT', 4566),
    sfPort: port('CAPTURE_SF_PORT', 8484),
    ...(process.env.CAPTURE_CONFIG ? { configPath: process.env.CAPTURE_CONFIG } : {}),
    ...(process.env.CAPTURE_SF_SEED ? { seedPath: process.env.CAPTURE_SF_SEED } : {}),
    // X-Capture-Test-Verdicts (try the sender rules locally) only when asked for, never by default.
    allowTestVerdicts: process.env.CAPTURE_TEST_VERDICTS === '1',
    ...batchingWindow(),
    salesforceEnv: {
      SF_LOGIN_URL: process.env.SF_LOGIN_URL,
      SF_CLIENT_ID: process.env.SF_CLIENT_ID,
      SF_CLIENT_SECRET: process.env.SF_CLIENT_SECRET,
      SF_USERNAME: process.env.SF_USERNAME,
      SF_PRIVATE_KEY_FILE: process.env.SF_PRIVATE_KEY_FILE,
    },
  });
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
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EADDRINUSE'
      ? `a port is already in use (${describeError(error)}); set CAPTURE_SMTP_PORT / CAPTURE_SF_PORT`
      : describeError(error);
  console.error(`error: ${message}`);
  process.exit(1);
}
