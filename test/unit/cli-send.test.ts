/**
 * `capture send` against an SMTP server in the test: what reaches the envelope and the headers
 * (`--bcc` only the envelope), a .eml file sent byte for byte with its own Message-ID printed,
 * recipients the server does not take listed (exit 0) and a mail nobody took failing (exit 1).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureInProcess } from '../support/cli.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

const received: Received[] = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  disableReverseLookup: true,
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.endsWith('@capture.localhost')) return callback();
    callback(
      Object.assign(new Error('5.7.1 this server only receives mail for capture.localhost'), {
        responseCode: 550,
      }),
    );
  },
  onData(stream, session, callback) {
    let data = '';
    stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    stream.on('end', () => {
      received.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        data,
      });
      callback(null, 'Ok: queued as test1');
    });
  },
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(...args: string[]) {
  return captureInProcess('send', '--server', `127.0.0.1:${port}`, ...args);
}

describe('capture send', () => {
  it('composes a mail: To and Cc in headers and envelope, Bcc in the envelope only', async () => {
    received.length = 0;
    const run = await send(
      '--from',
      'alice@acme.example',
      '--to',
      'acme-inbox-3n8v5t2r6y1z@capture.localhost',
      '--bcc',
      'acme-k7q2m9x4p8w3@capture.localhost',
      '--message-id',
      'order-10042@acme.example',
      '--subject',
      'Your order ORD-10042 ships Monday',
      '--body',
      'Hi Jane, it ships Monday.',
      '--header',
      'X-Capture-Test-Verdicts: spf=FAIL',
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'sent Your order ORD-10042 ships Monday\n  Message-ID <order-10042@acme.example>\n  250 Ok: queued as test1\n',
    );
    const [mail] = received;
    expect(mail?.from).toBe('alice@acme.example');
    expect(mail?.to).toEqual([
      'acme-inbox-3n8v5t2r6y1z@capture.localhost',
      'acme-k7q2m9x4p8w3@capture.localhost',
    ]);
    expect(mail?.data).toMatch(/^To: acme-inbox-3n8v5t2r6y1z@capture\.localhost\r$/m);
    expect(mail?.data).toMatch(/^Message-ID: <order-10042@acme\.example>\r$/m);
    expect(mail?.data).toMatch(/^X-Capture-Test-Verdicts: spf=FAIL\r$/m);
    expect(mail?.data).not.toMatch(/^Bcc:/im);
    expect(mail?.data).toContain('Hi Jane, it ships Monday.');
  });

  it('sends a .eml file as it is and prints its own Message-ID', async () => {
    received.length = 0;
    const file = join(mkdtempSync(join(tmpdir(), 'capture-send-')), 'mail.eml');
    const raw =
      'From: Bob <bob@acme.example>\r\nMessage-ID:\r\n <from-file@acme.example>\r\nSubject: As written\r\n\r\nBody.\r\n';
    writeFileSync(file, raw);
    const run = await send(
      file,
      '--from',
      'bob@acme.example',
      '--bcc',
      'acme-k7q2m9x4p8w3@capture.localhost',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      messageId: '<from-file@acme.example>',
      accepted: ['acme-k7q2m9x4p8w3@capture.localhost'],
      rejected: [],
    });
    expect(received[0]?.data).toBe(raw);
  });

  it('lists recipients the server did not take; a mail no recipient took exits 1', async () => {
    const partly = await send(
      '--from',
      'alice@acme.example',
      '--to',
      'jane.doe@globex.example',
      '--bcc',
      'acme-k7q2m9x4p8w3@capture.localhost',
      '--subject',
      'Partly',
    );
    expect(partly.code).toBe(0);
    expect(partly.stdout).toMatch(
      /^ {2}not taken by this server: jane\.doe@globex\.example \(550 5\.7\.1 this server only receives mail for capture\.localhost\)$/m,
    );
    const nobody = await send('--from', 'alice@acme.example', '--to', 'jane.doe@globex.example');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(
      /^error: .*550 5\.7\.1 this server only receives mail for capture\.localhost\n$/,
    );
  });
});
