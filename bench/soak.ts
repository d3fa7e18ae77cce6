/**
 * `npm run soak -- --emails N --fault-rate R`: pushes N emails through the local stack while the
 * Salesforce emulator fails a fraction R of requests (5xx, REQUEST_LIMIT_EXCEEDED,
 * INVALID_SESSION_ID, UNABLE_TO_LOCK_ROW, dropped connections) and the handlers crash at random.
 * Last stdout line: {"emails","tasks","dlq","lost","duplicates","faultsInjected"}: every email is
 * either exactly one Task or a DLQ entry with its reason.
 */

import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';

process.env.LOG_LEVEL ??= 'SILENT';
const { startLocalStack } = await import('#local/stack.ts');

const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0.1' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log('usage: npm run soak -- [--emails N] [--fault-rate R]   (R between 0 and 0.5)');
  process.exit(0);
}
const emails = Number(values.emails);
const rate = Number(values['fault-rate']);
if (!Number.isInteger(emails) || emails < 1 || !(rate >= 0 && rate <= 0.5)) {
  console.error('error: --emails must be a positive integer and --fault-rate between 0 and 0.5');
  process.exit(2);
}

let crashes = 0;
const stack = await startLocalStack({
  smtpPort: 0,
  sfPort: 0,
  awsPort: 0,
  visibilityTimeoutSeconds: { intake: 3, sync: 3 },
  wrapHandler: (_name, handler) => async (event, context) => {
    if (Math.random() < rate / 2) {
      crashes++;
      throw new Error('soak: simulated handler crash');
    }
    return handler(event, context);
  },
});
const per = rate / 5;
stack.emulator!.setFaults({
  rates: {
    SERVER_ERROR: per,
    REQUEST_LIMIT_EXCEEDED: per,
    INVALID_SESSION_ID: per,
    UNABLE_TO_LOCK_ROW: per,
    DROP_CONNECTION: per,
  },
  seed: 42,
});
const contacts = [
  'jane.doe@globex.example',
  'carl@globex.example',
  "o'brien@globex.example",
  'peter@initech.example',
];
const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port: stack.smtpPort,
  secure: false,
  pool: true,
  maxConnections: 4,
});
const started = Date.now();
for (let i = 0; i < emails; i += 20) {
  await Promise.all(
    Array.from({ length: Math.min(20, emails - i) }, (_, j) =>
      transport.sendMail({
        from: 'alice@acme.example',
        to: contacts[(i + j) % contacts.length],
        bcc: stack.captureAddresses[0]!.address,
        subject: `Soak ${i + j}`,
        messageId: `<soak-${i + j}@acme.example>`,
        text: 'Soak test message',
      }),
    ),
  );
  process.stderr.write(`sent ${Math.min(i + 20, emails)}/${emails}\r`);
}
transport.close();
process.stderr.write(`\nwaiting for the pipeline to settle…\n`);
await stack.idle();
stack.emulator!.setFaults({});

const tasks = stack.emulator!.records('Task');
const byCapture = new Map<string, number>();
for (const t of tasks)
  byCapture.set(String(t.Capture_Id__c), (byCapture.get(String(t.Capture_Id__c)) ?? 0) + 1);
const duplicates = [...byCapture.values()].reduce((n, c) => n + (c - 1), 0);
const dlqDepth = async (url: string) =>
  Number(
    (
      await stack.aws.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      )
    ).Attributes?.ApproximateNumberOfMessages ?? 0,
  );
const dlq =
  (await dlqDepth(stack.aws.resources.intakeDlqUrl)) + (await dlqDepth(stack.aws.resources.syncDlqUrl));
const outcomes = await stack.outcomes.list();
const created = new Set(
  outcomes.filter((o) => o.outcome === 'created' || o.outcome === 'duplicate').map((o) => o.messageId),
);
const lost = Math.max(0, emails - byCapture.size - dlq);
const result = {
  emails,
  tasks: tasks.length,
  dlq,
  lost,
  duplicates,
  faultsInjected: stack.emulator!.faultsInjected() + crashes,
};
process.stderr.write(
  `${emails} emails in ${((Date.now() - started) / 1000).toFixed(1)} s: ${tasks.length} Tasks, ${dlq} in DLQs, ${lost} lost, ${duplicates} duplicates, ${result.faultsInjected} faults (${crashes} handler crashes); ${created.size} messages with a Task outcome\n`,
);
await stack.stop();
console.log(JSON.stringify(result));
process.exit(0);
