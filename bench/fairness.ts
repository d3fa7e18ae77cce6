/**
 * Noisy neighbours through the local stack: two orgs share one pipeline. A quiet org sends one
 * mail a second; its latency, from each mail's SMTP 250 to its Task's CreatedDate at the
 * Salesforce emulator, is measured three times, each on a fresh stack:
 * - alone;
 * - while the other org sends a burst of mail (1,500 by default) as fast as SMTP takes it;
 * - while the other org sends two mails a second and its Salesforce answers every request in
 *   4 s (the emulator's latency for that org's connected app only).
 * Every mail of both orgs must become exactly one Task: what is missing or doubled is reported.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { type LocalStack, localClientId, startLocalStack } from '#local/stack.ts';
import { log, quantile, round } from './stats.ts';

export interface FairnessOptions {
  /** Quiet mails per scenario (one a second). */
  quietMails: number;
  burstMails: number;
  /** Salesforce latency of the slow org, per request. */
  slowLatencyMs: number;
  /** Mails per second the slow org sends while it is slow. */
  slowRate: number;
}

export const defaultFairness: FairnessOptions = {
  quietMails: 40,
  burstMails: 1500,
  slowLatencyMs: 4000,
  slowRate: 2,
};

const SUBJECT = /^Email: (quiet|noisy) (\d+) /;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Transport = ReturnType<typeof nodemailer.createTransport>;

/** Two orgs on the demo seed's users: quiet and noisy, each with a bcc capture address. */
function registry() {
  const org = (id: string) => ({
    id,
    internalDomains: ['acme.example'],
    addresses: [{ token: `${id}-${randomBytes(8).toString('hex')}`, mode: 'bcc' }],
    defaultOwnerEmail: 'ops@acme.example',
    unmatched: 'skip',
  });
  return { captureDomain: 'capture.localhost', orgs: [org('quiet'), org('noisy')] };
}

interface Scenario {
  stack: LocalStack;
  /** One SMTP client per org, so the quiet org's mail never queues behind the other's. */
  transports: Record<'quiet' | 'noisy', Transport>;
  /** SMTP 250 time per `<org> <n>`. */
  accepted: Map<string, number>;
  refused: number;
}

function send(s: Scenario, orgId: 'quiet' | 'noisy', n: number): Promise<void> {
  const to = s.stack.captureAddresses.find((a) => a.orgId === orgId)?.address;
  return new Promise((resolve) =>
    s.transports[orgId].sendMail(
      {
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        bcc: to,
        subject: `${orgId} ${n} fairness`,
        messageId: `<fair-${orgId}-${n}-${randomBytes(4).toString('hex')}@acme.example>`,
        text: 'Fairness benchmark: the drawings for ORD-10042 are attached in the portal.',
      },
      (error) => {
        if (error) s.refused++;
        else s.accepted.set(`${orgId} ${n}`, Date.now());
        resolve();
      },
    ),
  );
}

/** CreatedDate of every bench Task, by `<org> <n>` (a list: more than one is a duplicate). */
function taskTimes(stack: LocalStack): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const t of stack.emulator?.records('Task') ?? []) {
    const m = SUBJECT.exec(String(t.Subject ?? ''));
    if (!m) continue;
    const key = `${m[1]} ${m[2]}`;
    times.set(key, [...(times.get(key) ?? []), Date.parse(String(t.CreatedDate).replace('+0000', 'Z'))]);
  }
  return times;
}

/** Sends the quiet org's mails one a second while `noise` runs; waits for every Task. */
async function runScenario(
  name: string,
  quietMails: number,
  noise: (s: Scenario) => Promise<void>,
  setup: (stack: LocalStack) => void = () => {},
): Promise<{ p95: number | null; lost: number; duplicates: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'capture-fairness-'));
  const configPath = join(dir, 'orgs.json');
  writeFileSync(configPath, JSON.stringify(registry()));
  const stack = await startLocalStack({ smtpPort: 0, sfPort: 0, configPath });
  const transport = (maxConnections: number) =>
    nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.smtpPort,
      secure: false,
      pool: true,
      maxConnections,
      maxMessages: Number.POSITIVE_INFINITY,
    });
  const transports = { quiet: transport(2), noisy: transport(16) };
  const s: Scenario = { stack, transports, accepted: new Map(), refused: 0 };
  try {
    setup(stack);
    const started = Date.now();
    const quiet = (async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < quietMails; i++) {
        const due = started + i * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        sends.push(send(s, 'quiet', i));
      }
      await Promise.all(sends);
    })();
    await Promise.all([quiet, noise(s)]);
    const until = Date.now() + 600_000;
    // Latencies come from each Task's CreatedDate; looking rarely leaves the CPU to the pipeline.
    const allDone = () => {
      const done = taskTimes(stack);
      return [...s.accepted.keys()].every((k) => done.has(k));
    };
    while (Date.now() < until && !allDone()) await sleep(500);
    await stack.idle();
    const tasks = taskTimes(stack);
    const quietLatencies = [...s.accepted]
      .filter(([k]) => k.startsWith('quiet '))
      .flatMap(([k, at]) => (tasks.has(k) ? [(tasks.get(k)?.[0] ?? at) - at] : []));
    const lost = [...s.accepted.keys()].filter((k) => !tasks.has(k)).length + s.refused;
    const duplicates = [...tasks.values()].reduce((n, t) => n + t.length - 1, 0);
    const p95 = quantile(quietLatencies, 0.95);
    log(
      `fairness ${name}: quiet 250 → Task ms p50 ${quantile(quietLatencies, 0.5)}, p95 ${p95}, max ${quantile(quietLatencies, 1)} ` +
        `(${quietLatencies.length} mails); all orgs: ${s.accepted.size} accepted, ${lost} lost, ${duplicates} duplicates, ` +
        `${round((Date.now() - started) / 1000, 1)} s`,
    );
    return { p95, lost, duplicates };
  } finally {
    for (const t of Object.values(transports)) t.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchFairness(options: FairnessOptions = defaultFairness) {
  const alone = await runScenario('alone', options.quietMails, async () => {});
  const burst = await runScenario('burst', options.quietMails, async (s) => {
    await Promise.all(Array.from({ length: options.burstMails }, (_, i) => send(s, 'noisy', i)));
  });
  const slow = await runScenario(
    'slow',
    options.quietMails,
    async (s) => {
      const started = Date.now();
      const sends: Promise<void>[] = [];
      const count = options.quietMails * options.slowRate;
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / options.slowRate;
        if (due > Date.now()) await sleep(due - Date.now());
        sends.push(send(s, 'noisy', i));
      }
      await Promise.all(sends);
    },
    (stack) =>
      stack.emulator?.setFaults({ latencyMsByClient: { [localClientId('noisy')]: options.slowLatencyMs } }),
  );
  const ratio = (p: number | null) =>
    p !== null && alone.p95 !== null && alone.p95 > 0 ? round(p / alone.p95, 2) : null;
  log(
    `fairness: quiet org p95 alone ${alone.p95} ms; during a ${options.burstMails}-mail burst ${burst.p95} ms ` +
      `(${ratio(burst.p95)}×); beside a ${options.slowLatencyMs / 1000} s Salesforce ${slow.p95} ms (${ratio(slow.p95)}×)`,
  );
  return {
    fairness: { aloneP95Ms: alone.p95, burstP95Ms: burst.p95, slowP95Ms: slow.p95 },
    lost: alone.lost + burst.lost + slow.lost,
    duplicates: alone.duplicates + burst.duplicates + slow.duplicates,
  };
}
