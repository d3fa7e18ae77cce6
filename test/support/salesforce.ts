/** Helpers for tests that drive the Salesforce emulator through jsforce and the adapter. */
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
// The adapter imports jsforce's modules directly (smaller bundles); the package index, loaded after
// them, sees a half-loaded Connection through a circular require, so tests import the same modules.
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import { OAuth2 } from '@jsforce/jsforce-node/lib/oauth2.js';
// Registers `conn.tooling` (the package index does this for its users).
import '@jsforce/jsforce-node/lib/api/tooling.js';
import { type SalesforceEmulatorOptions, startSalesforceEmulator } from '#local/salesforce/server.ts';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { setupOrg } from '#shared/adapters/salesforce/admin/setup.ts';
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { type CapturedEmail, storedMessageDigest } from '#shared/domain/captured-email.ts';
import { testRegistry } from './registry.ts';

export const demoSeed = JSON.parse(
  readFileSync(new URL('../../local/demo/seed.json', import.meta.url), 'utf8'),
);

export const registry = testRegistry({
  acme: { unmatched: 'unresolved', orderNumbers: { patterns: ['\\bORD-\\d{5,8}\\b'] } },
});
export const org = registry.orgs[0]!;

/** The emulator with the demo org, plus `extra` records (appended per object) and emulator options. */
export async function startEmulator(
  extra: Record<string, Record<string, unknown>[]> = {},
  options: Omit<SalesforceEmulatorOptions, 'seed'> = {},
) {
  const seed = structuredClone(demoSeed) as Record<string, Record<string, unknown>[]>;
  for (const [type, rows] of Object.entries(extra)) seed[type] = [...(seed[type] ?? []), ...rows];
  return startSalesforceEmulator({ ...options, seed: seed as SalesforceEmulatorOptions['seed'] });
}

/**
 * A proxy in front of the emulator that may rewrite JSON request bodies on their way (to make
 * Salesforce answer requests the adapter itself never sends) or fail requests outright.
 */
export async function rewritingProxy(
  upstream: string,
  rewrite: (method: string, path: string, body: unknown) => unknown | Promise<unknown>,
  /** An HTTP status to answer with instead of forwarding (503 → SERVER_UNAVAILABLE). */
  fail: (method: string, path: string, body: string) => number | null = () => null,
) {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let payload = Buffer.concat(chunks);
      const status = fail(req.method ?? 'GET', req.url ?? '', payload.toString());
      if (status !== null) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ errorCode: 'SERVER_UNAVAILABLE', message: 'try again later' }]));
        return;
      }
      if ((req.headers['content-type'] ?? '').includes('json') && payload.length > 0) {
        const next = await rewrite(req.method ?? 'GET', req.url ?? '', JSON.parse(payload.toString()));
        payload = Buffer.from(JSON.stringify(next));
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(payload.length) };
      delete headers['transfer-encoding'];
      const forward = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            let out = Buffer.concat(body);
            // The token response names the instance: keep jsforce talking to the proxy.
            if ((req.url ?? '').startsWith('/services/oauth2/token'))
              out = Buffer.from(out.toString().replaceAll(upstream, url));
            const outHeaders = { ...up.headers, 'content-length': String(out.length) };
            delete outHeaders['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, outHeaders);
            res.end(out);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A jsforce connection the way server-to-server flows use it: a token from the token endpoint,
 * no refresh token (jsforce would otherwise try to refresh on 401 and fail).
 */
/** A connection through the client credentials flow of a connected app (default: the emulator's own). */
export async function jsforceFor(
  url: string,
  clientId = 'local',
  clientSecret = 'local',
): Promise<Connection> {
  const token = await new OAuth2({ clientId, clientSecret, loginUrl: url }).requestToken({
    grant_type: 'client_credentials',
  });
  return new Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: '62.0',
  });
}

export function crmFor(url: string) {
  return new SalesforceCrm({
    credentials: { authFlow: 'client-credentials', loginUrl: url, clientId: 'local', clientSecret: 'local' },
  });
}

/** What `capture salesforce setup` does, in-process: Capture's fields and its permission set, assigned. */
export async function setUp(crm: SalesforceCrm) {
  const result = await setupOrg(crm);
  const failed = result.steps.filter((s) => s.action === 'failed');
  if (failed.length > 0) throw new Error(`setup failed: ${JSON.stringify(failed)}`);
  return result;
}

/** In-memory attachment store standing in for S3 in sync tests. */
export class MemoryAttachments {
  files = new Map<string, Buffer>();
  sink(prefix: string) {
    return {
      put: async (meta: { index: number }, content: Readable) => {
        const chunks: Buffer[] = [];
        for await (const c of content) chunks.push(c as Buffer);
        const key = `${prefix}/${meta.index}`;
        this.files.set(key, Buffer.concat(chunks));
        return { storageKey: key };
      },
    };
  }
  async read(key: string) {
    const f = this.files.get(key);
    if (!f) throw new Error(`missing ${key}`);
    return f;
  }
}

export interface MailSpec {
  from: string;
  to?: string;
  cc?: string;
  subject: string;
  messageId: string;
  body?: string;
  mode?: 'bcc' | 'forward';
  target?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; contentType: string; content: string; inline?: boolean }[];
  /** The From is proven (default: on a bcc address, as the intake policy requires; not on a forward one). */
  verified?: boolean;
  /** The stored message's digest, as the parse stage records it (default: one per Message-ID and From). */
  source?: string;
}

export async function captured(spec: MailSpec, attachments?: MemoryAttachments): Promise<CapturedEmail> {
  const boundary = 'b-test';
  const head = [
    `From: ${spec.from}`,
    ...(spec.to ? [`To: ${spec.to}`] : []),
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject}`,
    `Message-ID: ${spec.messageId}`,
    'Date: Tue, 17 Nov 2026 09:30:00 +0000',
    ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  let raw: string;
  if (spec.attachments?.length) {
    raw = [
      ...head,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      spec.body ?? 'Hello',
      ...spec.attachments.flatMap((a) => [
        `--${boundary}`,
        `Content-Type: ${a.contentType}`,
        `Content-Disposition: ${a.inline ? 'inline' : 'attachment'}; filename="${a.filename}"`,
        ...(a.inline ? ['Content-ID: <img1@x>'] : []),
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(a.content).toString('base64'),
      ]),
      `--${boundary}--`,
      '',
    ].join('\r\n');
  } else {
    raw = [...head, 'Content-Type: text/plain; charset=utf-8', '', spec.body ?? 'Hello', ''].join('\r\n');
  }
  const mode = spec.mode ?? 'bcc';
  const token = mode === 'bcc' ? 'acme-k7q2m9x4p8w3' : 'acme-inbox-3n8v5t2r6y1z';
  const email = await parseEmail(Buffer.from(raw), {
    org,
    capture: {
      orgId: 'acme',
      address: `${token}${spec.target ? `+${spec.target.toLowerCase()}` : ''}@capture.example.com`,
      mode,
      target: spec.target ?? null,
    },
    ...(attachments ? { attachmentSink: attachments.sink(spec.messageId) } : {}),
  });
  // What the parse stage adds after its policy checks (shared/usecases/capture-message.ts).
  return {
    ...email,
    origin: {
      senderVerified: spec.verified ?? mode === 'bcc',
      sourceDigest: spec.source ?? storedMessageDigest(`${spec.messageId} ${spec.from}`),
    },
  };
}

/** A realistic batch of ten: contacts, a lead, forwards, an order number, a File, an unknown person. */
export const MIXED_BATCH: MailSpec[] = [
  {
    from: 'alice@acme.example',
    to: 'jane.doe@globex.example',
    cc: 'carl@globex.example',
    subject: 'ORD-10042 update',
    messageId: '',
  },
  { from: 'bob@acme.example', to: "o'brien@globex.example", subject: 'Order #4711', messageId: '' },
  { from: 'alice@acme.example', to: 'lena.lead@initech.example', subject: 'Intro', messageId: '' },
  {
    from: 'alice@acme.example',
    to: 'peter@initech.example',
    subject: 'SO-104233',
    messageId: '',
    attachments: [{ filename: 'a.pdf', contentType: 'application/pdf', content: 'pdf' }],
  },
  {
    from: 'jane.doe@globex.example',
    to: 'orders@acme.example',
    subject: 'Question',
    messageId: '',
    mode: 'forward',
  },
  { from: 'bob@acme.example', to: 'unknown@nowhere.example', subject: 'Cold email', messageId: '' },
  { from: 'alice@acme.example', to: 'carl@globex.example', subject: 'Re: ORD-10042', messageId: '' },
  {
    from: 'peter@initech.example',
    to: 'orders@acme.example',
    subject: 'Invoice',
    messageId: '',
    mode: 'forward',
  },
  {
    from: 'bob@acme.example',
    to: 'jane.doe@globex.example, carl@globex.example',
    subject: 'Meeting',
    messageId: '',
  },
  { from: 'alice@acme.example', to: 'jane.doe@globex.example', subject: 'Follow-up', messageId: '' },
];

export function mixedBatch(files: MemoryAttachments, prefix = 'batch'): Promise<CapturedEmail[]> {
  return Promise.all(
    MIXED_BATCH.map((s, i) => captured({ ...s, messageId: `<${prefix}-${i}@acme.example>` }, files)),
  );
}

/** People and orders for wide mails: mail `m` is to w{m}.c0…c54@globex.example and names ORD-3{m}01…07. */
export function wideSeed(mails: number) {
  const contacts: Record<string, unknown>[] = [];
  const orders: Record<string, unknown>[] = [];
  for (let m = 0; m < mails; m++) {
    for (let c = 0; c < 55; c++)
      contacts.push({
        FirstName: `W${m}`,
        LastName: `Contact ${c}`,
        Email: `w${m}.c${c}@globex.example`,
        AccountId: '@Account:Globex Corporation',
      });
    for (let o = 1; o <= 7; o++)
      orders.push({
        OrderNumber: wideOrder(m, o),
        AccountId: '@Account:Globex Corporation',
        Status: 'Draft',
        EffectiveDate: '2026-11-01',
      });
  }
  return { Contact: contacts, Order: orders };
}

export const wideOrder = (m: number, o: number) => `ORD-3${String(m).padStart(3, '0')}${o}`;

/** A wide mail: 55 contacts in To/Cc (5 + 50), 7 order numbers in the text, 30 References. */
export function wideMail(m: number, prefix = 'wide') {
  const people = Array.from({ length: 55 }, (_, c) => `w${m}.c${c}@globex.example`);
  return {
    to: people.slice(0, 5),
    cc: people.slice(5),
    subject: `Orders for week ${m}`,
    messageId: `<${prefix}-${m}@acme.example>`,
    references: Array.from({ length: 30 }, (_, r) => `<${prefix}-thread-${m}-${r}@globex.example>`),
    text: `Hello all,\n\nthe orders ${Array.from({ length: 7 }, (_, o) => wideOrder(m, o + 1)).join(', ')} ship on Monday.\n`,
  };
}

export function wideSpec(m: number, prefix = 'wide'): MailSpec {
  const w = wideMail(m, prefix);
  return {
    from: 'Alice Rep <alice@acme.example>',
    to: w.to.join(', '),
    cc: w.cc.join(', '),
    subject: w.subject,
    messageId: w.messageId,
    body: w.text,
    headers: { References: w.references.join(' ') },
  };
}
