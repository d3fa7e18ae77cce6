/**
 * `npm run demo`: starts the local stack on free ports, sends a handful of realistic messages
 * over SMTP, waits until the pipeline is idle, prints the resulting Tasks and outcomes, exits.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describeError } from '#shared/errors.ts';
import { printActivities, sendActivities } from './demo/activities.ts';

// The pipeline's structured logs would bury the tables this script prints.
process.env.LOG_LEVEL ??= 'WARN';
const { nameIndex, startLocalStack } = await import('./stack.ts');

const stack = await startLocalStack({ smtpPort: 0, sfPort: 0 }).catch((error: unknown) => {
  console.error(`error: ${describeError(error)}`);
  process.exit(1);
});

try {
  const bcc = stack.captureAddresses.find((a) => a.mode === 'bcc')!.address;
  const inbox = stack.captureAddresses.find((a) => a.mode === 'forward')!.address;
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  const send = (label: string, message: SendMailOptions) => {
    console.log(`→ ${label}`);
    return transport.sendMail(message);
  };

  const quote = {
    from: '"Alice Rep" <alice@acme.example>',
    to: '"Jane Doe" <jane.doe@globex.example>',
    subject: 'Your order ORD-10042: delivery next Tuesday',
    messageId: '<demo-order-10042@acme.example>',
    text: 'Hi Jane,\n\nyour order ORD-10042 ships on Monday and arrives Tuesday.\n\nBest,\nAlice',
  };
  await send("a rep's BCC with an order number", { ...quote, bcc });
  await send("the same message BCC'd by a second rep (a duplicate)", {
    ...quote,
    from: '"Bob Rep" <bob@acme.example>',
    cc: 'bob@acme.example',
    bcc,
  });
  await send('a customer email forwarded by a rep', {
    from: '"Alice Rep" <alice@acme.example>',
    to: inbox,
    subject: 'Fwd: Question about PO 4711',
    text: [
      'FYI, see below.',
      '',
      '---------- Forwarded message ---------',
      "From: Sean O'Brien <o'brien@globex.example>",
      'Date: Mon, 16 Nov 2026 at 10:12',
      'Subject: Question about PO 4711',
      'To: Alice Rep <alice@acme.example>',
      '',
      'Hello Alice, can you confirm the delivery address for our order?',
    ].join('\n'),
  });
  await send('a message to the shared orders@ inbox, routed by a rule', {
    envelope: { from: 'lena.lead@initech.example', to: [inbox] },
    from: '"Lena Lead" <lena.lead@initech.example>',
    to: 'orders@acme.example',
    subject: 'Request for a quote',
    text: 'Hello, we would like a quote for 200 units.',
  });
  await send('an out-of-office auto-reply', {
    from: '"Jane Doe" <jane.doe@globex.example>',
    to: inbox,
    subject: 'Automatic reply: Your order',
    headers: { 'Auto-Submitted': 'auto-replied' },
    text: 'I am out of the office until Monday.',
  });

  await sendActivities(send, bcc, stack.captureAddresses.find((a) => a.orgId === 'acme-mail')?.address);

  await stack.idle();
  const outcomes = (await stack.outcomes.list()).sort((a, b) => a.at.localeCompare(b.at));
  console.log('\nOutcomes');
  console.table(
    outcomes.map((o) => ({
      outcome: o.outcome,
      reason: o.reason ?? '',
      subject: (o.subject ?? '').slice(0, 50),
      task: o.taskId ?? '',
    })),
  );
  const tasks = stack.emulator?.records('Task') ?? [];
  const name = nameIndex(stack.emulator);
  console.log('Tasks in Salesforce');
  console.table(
    tasks.map((t) => ({
      Id: t.Id,
      Subject: String(t.Subject).slice(0, 45),
      Owner: name(t.OwnerId),
      Who: name(t.WhoId),
      What: name(t.WhatId),
      Type: `${t.TaskSubtype} / ${t.Status}`,
    })),
  );
  printActivities(stack.emulator, name);
  transport.close();
} catch (error) {
  console.error(`error: ${describeError(error)}`);
  process.exitCode = 1;
} finally {
  await stack.stop();
}
