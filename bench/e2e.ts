/**
 * End to end through the local stack: emails sent at a steady rate over SMTP, latency from each
 * email's 250 reply (stamped in the client's callback) to its Task's CreatedDate at the Salesforce
 * emulator, so how the bench waits never shows in the figure. Handler invocations are recorded
 * too, to split the latency into waiting (queues, batching windows) and work.
 */

import { performance } from 'node:perf_hooks';
import type { SQSEvent } from 'aws-lambda';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { type SmtpSender, startSmtpSender } from './smtp-sender.ts';
import { log, quantile, round, spread } from './stats.ts';

interface Invocation {
  /** `route`: the parse function on the intake queue, putting mail in its org's line. */
  stage: 'route' | 'parse' | 'sync';
  start: number;
  end: number;
  ids: number[];
}

const ID = /e2e-bench-(\d+)@/;
const INTAKE = pipeline.queues.intake.name;
const SUBJECT = /Bench (\d+) /;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function taskTimes(stack: LocalStack): Map<number, number[]> {
  const times = new Map<number, number[]>();
  for (const t of stack.emulator!.records('Task')) {
    const i = SUBJECT.exec(String(t.Subject ?? ''))?.[1];
    if (i === undefined) continue;
    const list = times.get(Number(i)) ?? [];
    list.push(Date.parse(String(t.CreatedDate).replace('+0000', 'Z')));
    times.set(Number(i), list);
  }
  return times;
}

async function waitForTasks(stack: LocalStack, subject: RegExp, count: number, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  const found = () =>
    stack.emulator!.records('Task').filter((t) => subject.test(String(t.Subject ?? ''))).length;
  // Latencies come from each Task's CreatedDate, not from this loop: it may look rarely. Copying
  // every Task often would take the CPU the pipeline is being measured on (one process).
  while (found() < count && Date.now() < until) await sleep(250);
  await stack.idle();
}

function send(sender: SmtpSender, stack: LocalStack, subject: string, messageId: string, to: string) {
  return sender.send({
    from: 'alice@acme.example',
    to,
    bcc: stack.captureAddresses[0]!.address,
    subject,
    messageId,
    text: 'Benchmark message: the drawings for ORD-10042 are attached in the portal.',
  });
}

/** API requests and 250 → Task ms for one email sent alone (the stack otherwise idle). */
async function loneEmail(stack: LocalStack, sender: SmtpSender, label: string) {
  const before = stack.emulator!.apiRequestCount();
  const subject = new RegExp(`Lone ${label} ORD`);
  const at = await send(
    sender,
    stack,
    `Lone ${label} ORD-10042`,
    `<lone-${label}@acme.example>`,
    'jane.doe@globex.example',
  );
  await waitForTasks(stack, subject, 1, 30_000);
  const task = stack.emulator!.records('Task').find((t) => subject.test(String(t.Subject ?? '')));
  const created = Date.parse(String(task?.CreatedDate).replace('+0000', 'Z'));
  return { calls: stack.emulator!.apiRequestCount() - before, latencyMs: created - at };
}

function breakdown(invocations: Invocation[], accepted: Map<number, number>, tasks: Map<number, number[]>) {
  const last = (stage: Invocation['stage']) => {
    const m = new Map<number, Invocation>();
    for (const inv of invocations) if (inv.stage === stage) for (const id of inv.ids) m.set(id, inv);
    return m;
  };
  const route = last('route');
  const parse = last('parse');
  const sync = last('sync');
  const parts = {
    /** From the 250 to the copy in its org's line. */
    routed: [] as number[],
    intakeWait: [] as number[],
    parse: [] as number[],
    syncWait: [] as number[],
    sync: [] as number[],
  };
  for (const [i, at] of accepted) {
    const p = parse.get(i);
    const s = sync.get(i);
    const task = tasks.get(i)?.[0];
    if (!p || !s || task === undefined) continue;
    const r = route.get(i);
    if (r) parts.routed.push(r.end - at);
    parts.intakeWait.push(p.start - at);
    parts.parse.push(p.end - p.start);
    parts.syncWait.push(s.start - p.end);
    parts.sync.push(task - s.start);
  }
  const sizes = (stage: Invocation['stage']) =>
    invocations.filter((v) => v.stage === stage).map((v) => v.ids.length);
  log('  where the time goes, ms per email, median (min–max), p95:');
  for (const [name, values] of Object.entries(parts))
    log(`    ${name.padEnd(11)} ${spread(values)}, p95 ${quantile(values, 0.95)}`);
  for (const stage of ['route', 'parse', 'sync'] as const) {
    const s = sizes(stage);
    const work = invocations.filter((v) => v.stage === stage).map((v) => v.end - v.start);
    log(`  ${stage}: ${s.length} invocations, batch size ${spread(s)}, duration ms ${spread(work)}`);
  }
}

/** `emails` mails offered at a steady rate; each accepted one with the time of its 250 reply. */
async function offerAtRate(sender: SmtpSender, stack: LocalStack, emails: number, ratePerSec: number) {
  const accepted = new Map<number, number>();
  let refused = 0;
  const started = Date.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < emails; i++) {
    const due = started + (i * 1000) / ratePerSec;
    if (due > Date.now()) await sleep(due - Date.now());
    const to = i % 3 === 0 ? 'jane.doe@globex.example' : 'carl@globex.example';
    sends.push(
      send(sender, stack, `Bench ${i} ORD-10042`, `<e2e-bench-${i}@acme.example>`, to).then(
        (at) => void accepted.set(i, at),
        () => void refused++,
      ),
    );
  }
  await Promise.all(sends);
  return { accepted, refused };
}

export async function benchE2e(emails: number, ratePerSec: number) {
  const invocations: Invocation[] = [];
  const stack = await startLocalStack({
    smtpPort: 0,
    sfPort: 0,
    wrapHandler: (stage, handler) => async (event: SQSEvent, context) => {
      const start = Date.now();
      try {
        return await handler(event, context);
      } finally {
        const ids = event.Records.map((r) => ID.exec(r.body)?.[1]).filter((x) => x !== undefined);
        const routing = stage === 'parse' && event.Records[0]?.eventSourceARN?.endsWith(`:${INTAKE}`);
        invocations.push({ stage: routing ? 'route' : stage, start, end: Date.now(), ids: ids.map(Number) });
      }
    },
  });
  // The sender has a thread of its own: it is the load, not the pipeline being measured.
  const sender = startSmtpSender(stack.smtpPort);
  try {
    const loneCold = await loneEmail(stack, sender, 'cold');
    const loneWarm = await loneEmail(stack, sender, 'warm');
    const callsBefore = stack.emulator!.apiRequestCount();
    const started = Date.now();
    // Busy time of this thread, where the functions and the stack's other stand-ins run: unlike
    // the latencies, it hardly moves with the machine's load, so it compares two codes' work.
    const busyBefore = performance.eventLoopUtilization();
    const { accepted, refused } = await offerAtRate(sender, stack, emails, ratePerSec);
    const sendSeconds = (Date.now() - started) / 1000;
    await waitForTasks(stack, SUBJECT, accepted.size, 120_000);
    const busyMs = performance.eventLoopUtilization(busyBefore).active;
    const apiCalls = stack.emulator!.apiRequestCount() - callsBefore;
    const tasks = taskTimes(stack);
    const latencies = [...accepted].flatMap(([i, at]) => (tasks.has(i) ? [tasks.get(i)![0]! - at] : []));
    const lastTask = Math.max(...[...tasks.values()].map((t) => t[0]!));
    const duplicates = [...tasks.values()].reduce((n, t) => n + t.length - 1, 0);
    log(
      `end to end: ${emails} emails offered at ${ratePerSec}/s (sent in ${round(sendSeconds, 1)} s, ${refused} refused); ` +
        `250 → Task ms: p50 ${quantile(latencies, 0.5)}, p95 ${quantile(latencies, 0.95)}, max ${quantile(latencies, 1)}`,
    );
    breakdown(invocations, accepted, tasks);
    log(
      `  the stack's own thread (functions, SMTP stand-in, runners, Salesforce emulator) was busy ` +
        `${round(busyMs / emails, 1)} ms per email (${round(busyMs / 1000, 1)} s for ${emails})`,
    );
    log(
      `lone email (stack otherwise idle): first after start ${loneCold.calls} requests, 250 → Task ${loneCold.latencyMs} ms; ` +
        `second ${loneWarm.calls} requests, ${loneWarm.latencyMs} ms`,
    );
    return {
      e2e: {
        emails,
        p50Ms: quantile(latencies, 0.5),
        p95Ms: quantile(latencies, 0.95),
        perSec: round(tasks.size / ((lastTask - started) / 1000), 1),
        lost: emails - [...accepted.keys()].filter((i) => tasks.has(i)).length,
        duplicates,
      },
      salesforce: {
        emails,
        apiCalls,
        callsPerEmail: round(apiCalls / emails, 3),
        loneEmailCalls: loneWarm.calls,
      },
    };
  } finally {
    await sender.close();
    await stack.stop();
  }
}
