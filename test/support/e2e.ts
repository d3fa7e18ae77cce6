/**
 * The end-to-end harness: the whole local stack (SMTP in, fauxqs, the real handlers, the
 * Salesforce emulator) started once per test file, with mail going in over SMTP (nodemailer) and
 * Salesforce read back over REST (jsforce), as a user of Capture sees it.
 *
 *   const e2e = useE2e({ registry: { captureDomain: …, orgs: […] }, seed: { Contact: […] } });
 *
 *   it('logs a BCC as a Task', async () => {
 *     await e2e.send({ from: …, to: …, bcc: BCC, subject: …, messageId: '<a@acme.example>' });
 *     const outcome = await e2e.outcomeOf('<a@acme.example>');   // waits until the stack is idle
 *     expect(outcome?.taskId).toBe(await e2e.idOf("SELECT Id FROM Task WHERE …"));
 *   });
 *
 * - `registry`: the org registry as written in its file (default: the demo one, local/demo/orgs.json);
 *   `configPath`/`seedPath` name files instead.
 * - `seed`: records added to the demo seed per object, or a function from the demo seed to the seed.
 * - The batching windows are the event sources' own, on a fake clock (FakeWindowClock): a window
 *   runs in real time while the parse stage works and closes at once when it is quiet, so mail
 *   sent together is batched together and no test waits for a window to close on nothing.
 *   For mail that must arrive "together" in one batch, `together(send)` holds the windows open
 *   until the parse stage has handed everything on; `batches.sync` lists the batch sizes.
 * - Any other startLocalStack option (wrapHandler, allowTestVerdicts, visibility timeouts, …) is
 *   passed on; `e2e.stack` and `e2e.sf` are the stack and a jsforce connection once started.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '@jsforce/jsforce-node';
import nodemailer, { type SendMailOptions, type SentMessageInfo, type Transporter } from 'nodemailer';
import { afterAll, beforeAll } from 'vitest';
import type { SqsHandler } from '#local/runner.ts';
import { defaultConfigPath, type LocalStack, type LocalStackOptions } from '#local/stack.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { demoSeed, jsforceFor } from './salesforce.ts';
import { FakeWindowClock, startTestStack } from './stack.ts';

type Seed = Record<string, unknown[]>;
// biome-ignore lint/suspicious/noExplicitAny: the demo registry as JSON, for tests to change a field of
type DemoRegistry = { captureDomain: string; orgs: Record<string, any>[] };

export interface E2eOptions extends Omit<LocalStackOptions, 'smtpPort' | 'sfPort' | 'windowClock'> {
  /** The org registry as written in its file, or made from the demo one; default: the demo registry. */
  registry?: object | ((demo: DemoRegistry) => object);
  /** Records added to the demo seed per object, or the seed made from the demo one. */
  seed?: Seed | ((demo: Seed) => object);
  /** Parallel SMTP connections (a pooled transport) for tests that send many mails at once. */
  smtpConnections?: number;
}

export class E2e {
  readonly clock = new FakeWindowClock();
  /** Record counts of each batch a stage's handler was given, in order. */
  readonly batches: { parse: number[]; sync: number[] } = { parse: [], sync: [] };
  #stack: LocalStack | null = null;
  #sf: Connection | null = null;
  #transport: Transporter | null = null;
  #dir: string | null = null;
  readonly #options: E2eOptions;

  constructor(options: E2eOptions = {}) {
    this.#options = options;
  }

  get stack(): LocalStack {
    if (!this.#stack) throw new Error('the end-to-end stack is not started (useE2e starts it in beforeAll)');
    return this.#stack;
  }

  get sf(): Connection {
    if (!this.#sf) throw new Error('the end-to-end stack is not started (useE2e starts it in beforeAll)');
    return this.#sf;
  }

  async start(): Promise<void> {
    const { registry, seed, smtpConnections, wrapHandler, ...stackOptions } = this.#options;
    const files = this.#files(registry, seed);
    this.#stack = await startTestStack({
      ...files,
      ...stackOptions,
      windowClock: this.clock,
      wrapHandler: (name, handler) => this.#counted(name, wrapHandler ? wrapHandler(name, handler) : handler),
    });
    // The sync stage's window runs in real time while the parse stage works, catching what it
    // hands on as a real window would; it closes at once when the parse stage is quiet.
    const stack = this.#stack;
    this.clock.busy = () => stack.busy('parse');
    this.#sf = await jsforceFor(this.#stack.salesforceUrl);
    this.#transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.#stack.smtpPort,
      secure: false,
      ...(smtpConnections ? { pool: true, maxConnections: smtpConnections } : {}),
    });
  }

  async stop(): Promise<void> {
    this.#transport?.close();
    await this.#stack?.stop();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Sends one mail to the stack's SMTP port (a text body "Hello" unless the mail has one). */
  send(message: SendMailOptions): Promise<SentMessageInfo> {
    if (!this.#transport) throw new Error('the end-to-end stack is not started');
    return this.#transport.sendMail({ text: 'Hello', ...message });
  }

  /**
   * Runs `send` with the batching windows held open, then lets them close once the parse stage
   * has handed every mail on: mail sent inside arrives at the sync stage together.
   */
  async together<T>(send: () => Promise<T>): Promise<T> {
    const release = this.clock.hold();
    try {
      const sent = await send();
      await this.stack.idle('parse');
      return sent;
    } finally {
      release();
    }
  }

  /** Every outcome recorded for a Message-ID, once the stack is idle. */
  async outcomesOf(messageId: string): Promise<OutcomeRecord[]> {
    await this.stack.idle();
    return (await this.stack.outcomes.list()).filter((o) => o.messageId === messageId);
  }

  /** A message's outcome: its `created` one when a redelivery added a later one beside it. */
  async outcomeOf(messageId: string): Promise<OutcomeRecord | undefined> {
    const all = await this.outcomesOf(messageId);
    return all.find((o) => o.outcome === 'created') ?? all[0];
  }

  /** The Id of the first record a SOQL query finds. */
  async idOf(soql: string): Promise<string | undefined> {
    return (await this.sf.query<{ Id: string }>(soql)).records[0]?.Id;
  }

  /** The records a SOQL query finds. */
  async records<T extends Record<string, unknown>>(soql: string): Promise<T[]> {
    return (await this.sf.query<T>(soql)).records;
  }

  /** The registry and seed files the stack reads, written when the options give them as data. */
  #files(
    registry: object | undefined,
    seed: E2eOptions['seed'],
  ): Pick<LocalStackOptions, 'configPath' | 'seedPath'> {
    if (!registry && !seed) return {};
    this.#dir = mkdtempSync(join(tmpdir(), 'capture-e2e-'));
    const write = (name: string, data: unknown) => {
      const path = join(this.#dir ?? '', name);
      writeFileSync(path, JSON.stringify(data));
      return path;
    };
    const demo = structuredClone(demoSeed) as Seed;
    return {
      ...(registry
        ? {
            configPath: write(
              'orgs.json',
              typeof registry === 'function' ? registry(demoRegistry()) : registry,
            ),
          }
        : {}),
      ...(seed
        ? { seedPath: write('seed.json', typeof seed === 'function' ? seed(demo) : withRecords(demo, seed)) }
        : {}),
    };
  }

  #counted(name: 'parse' | 'sync', handler: SqsHandler): SqsHandler {
    return (event, context) => {
      this.batches[name].push(event.Records.length);
      return handler(event, context);
    };
  }
}

const demoRegistry = (): DemoRegistry => JSON.parse(readFileSync(defaultConfigPath, 'utf8'));

/** The demo seed (or any seed) with more records appended per object. */
export function withRecords(base: Seed, extra: Seed): Seed {
  const seed = structuredClone(base);
  for (const [type, rows] of Object.entries(extra)) seed[type] = [...(seed[type] ?? []), ...rows];
  return seed;
}

/** An E2e started before the file's tests and stopped after them. */
export function useE2e(options: E2eOptions = {}): E2e {
  const e2e = new E2e(options);
  beforeAll(() => e2e.start(), 60_000);
  afterAll(() => e2e.stop());
  return e2e;
}
