/**
 * Pathological input through the real parse core: each case used to take minutes or end in an
 * empty capture. Assertions are on the outcome; a hang shows up as the test timeout.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { mime, org } from './helpers.ts';

const headers = {
  From: 'Bob <bob@globex.example>',
  To: 'alice@acme.example',
  Subject: 'hostile',
  'MIME-Version': '1.0',
};
const codes = (email: { cutShort?: { code: string }[] | undefined }) => email.cutShort?.map((c) => c.code);

function manyParts(n: number): Buffer {
  const parts = ['--b\r\nContent-Type: text/plain\r\n\r\nHello, the body comes first.\r\n'];
  for (let i = 0; i < n; i++) {
    parts.push(
      `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nx${i}\r\n`,
    );
  }
  return mime({ ...headers, 'Content-Type': 'multipart/mixed; boundary="b"' }, `${parts.join('')}--b--\r\n`);
}

function nestedMultiparts(levels: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\nThe outer text.\r\n';
  body = `--b0\r\n${body}`;
  for (let i = 0; i < levels; i++)
    body += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
  body += `--b${levels}\r\nContent-Type: text/plain\r\n\r\nDeep text.\r\n--b${levels}--\r\n`;
  for (let i = levels - 1; i >= 0; i--) body += `--b${i}--\r\n`;
  return mime({ ...headers, 'Content-Type': 'multipart/mixed; boundary="b0"' }, body);
}

function html(body: string): Buffer {
  return mime({ ...headers, 'Content-Type': 'text/html; charset=utf-8' }, body);
}

describe('hostile mail: bounded work, honest outcomes', () => {
  it('20,000 MIME parts: keeps the body and the first parts, says the rest was not read', async () => {
    const email = await parseEmail(manyParts(20_000), { org });
    expect(email.text).toContain('Hello, the body comes first.');
    expect(email.attachments.length).toBe(499);
    expect(codes(email)).toEqual(['mime-parts']);
    expect(email.warnings).toContain(
      'mime-parts: more than 500 MIME parts: the rest of the message was not read',
    );
  });

  it('counts parts the same when the stream arrives in tiny chunks', async () => {
    const raw = manyParts(10);
    const bytes = Readable.from(Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1)));
    const email = await parseEmail(bytes, { org, limits: { maxParts: 4 } });
    expect(email.text).toContain('Hello, the body comes first.');
    expect(email.attachments.map((a) => a.filename)).toEqual(['f0.bin', 'f1.bin', 'f2.bin']);
    expect(codes(email)).toEqual(['mime-parts']);
  });

  it('1,000 nested multipart levels: keeps what came before the cut and says so', async () => {
    const email = await parseEmail(nestedMultiparts(1_000), { org });
    expect(email.text).toContain('The outer text.');
    expect(codes(email)).toEqual(['mime-depth']);
  });

  it('counts boundaries declared in headers only, not words in a body', async () => {
    const text = Array.from({ length: 80 }, (_, i) => `boundary="word${i}"`).join('\r\n');
    const parts = Array.from(
      { length: 3 },
      (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\n${i === 0 ? text : `part ${i}`}\r\n`,
    ).join('');
    const email = await parseEmail(
      mime({ ...headers, 'Content-Type': 'multipart/mixed; boundary="b"' }, `${parts}--b--\r\n`),
      { org },
    );
    expect(email.text).toContain('boundary="word79"');
    expect(email.text).toContain('part 2');
    expect(codes(email)).toEqual([]);
  });

  it('5 MB of <div><b> nested 262,144 deep: text kept, nesting flattened, said so', async () => {
    const n = 262_144;
    const email = await parseEmail(
      html(`${'<div><b>'.repeat(n)}Order #12345 deep inside${'</b></div>'.repeat(n)}`),
      {
        org,
      },
    );
    expect(email.text).toBe('Order #12345 deep inside');
    expect(email.orderNumbers).toEqual(['12345']);
    expect(codes(email)).toEqual(['html-depth']);
  });

  it('an attached message is read within the same budgets', async () => {
    const n = 262_144;
    const inner = `From: Jane <jane@globex.example>\r\nSubject: inner\r\nContent-Type: text/html\r\n\r\n${'<div><b>'.repeat(n)}deep${'</b></div>'.repeat(n)}\r\n`;
    const body = `--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n${inner}--b--\r\n`;
    const email = await parseEmail(
      mime({ ...headers, 'Content-Type': 'multipart/mixed; boundary="b"' }, body),
      {
        org,
      },
    );
    expect(email.forwarded).toMatchObject({ source: 'attachment', subject: 'inner', text: 'deep' });
    expect(email.forwarded?.from?.address).toBe('jane@globex.example');
    expect(email.cutShort).toEqual([
      {
        code: 'html-depth',
        detail: 'in the attached message: HTML nested deeper than 100 levels was flattened (text kept)',
      },
    ]);
  });

  it('an attached message over its budget is kept as a file, not read, and said so', async () => {
    const inner = `From: Jane <jane@globex.example>\r\nSubject: inner\r\n\r\n${'x'.repeat(5_000)}\r\n`;
    const body = `--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n${inner}--b--\r\n`;
    const email = await parseEmail(
      mime({ ...headers, 'Content-Type': 'multipart/mixed; boundary="b"' }, body),
      {
        org,
        limits: { maxAttachedMessageBytes: 1_000 },
      },
    );
    expect(email.forwarded).toBeNull();
    expect(email.attachments.map((a) => a.contentType)).toEqual(['message/rfc822']);
    expect(codes(email)).toEqual(['attached-message-unopened']);
  });

  it('more HTML elements than the budget: later tags dropped, their text kept', async () => {
    const email = await parseEmail(html(`${'<span>a</span>'.repeat(200)}<p>tail</p>`), {
      org,
      limits: { maxHtmlElements: 100 },
    });
    expect(email.text).toBe(`${'a'.repeat(200)}tail`);
    expect(codes(email)).toEqual(['html-elements']);
  });

  it('HTML over its size budget is converted in part and said so', async () => {
    const email = await parseEmail(html(`<p>${'word '.repeat(1_000)}</p><p>END</p>`), {
      org,
      limits: { maxHtmlBytes: 1_000 },
    });
    expect(email.text).not.toContain('END');
    expect(codes(email)).toEqual(['html-truncated']);
  });

  it('a padded "Order … Total" line costs linear time', async () => {
    const email = await parseEmail(
      mime(headers, `Order${' '.repeat(100_000)}Total: 5 EUR\r\nOrder #4711\r\n`),
      {
        org,
      },
    );
    expect(email.orderNumbers).toEqual(['4711']);
  });

  it('long runs of blank lines and spaces cost linear time in the forward finder', async () => {
    const body = `Hello${'\r\n'.repeat(50_000)}${' '.repeat(50_000)}${'\u00a0'.repeat(20_000)}bye`;
    const email = await parseEmail(mime(headers, body), { org });
    expect(email.forwarded).toBeNull();
    expect(email.text.startsWith('Hello')).toBe(true);
    expect(email.text.endsWith('bye')).toBe(true);
  });

  it('the forward finder reads only a bounded prefix of the body, and says so', async () => {
    const forward =
      '---------- Forwarded message ---------\r\nFrom: Jane <jane@globex.example>\r\nDate: Mon, 16 Nov 2026 at 10:12\r\nSubject: hi\r\nTo: <alice@acme.example>\r\n\r\nhello';
    const body = `${'filler line\r\n'.repeat(1_000)}${forward}`;
    const bounded = await parseEmail(mime(headers, body), { org, limits: { maxForwardScanChars: 5_000 } });
    expect(bounded.forwarded).toBeNull();
    expect(codes(bounded)).toEqual(['forward-scan-truncated']);
    const whole = await parseEmail(mime(headers, body), { org });
    expect(whole.forwarded?.from?.address).toBe('jane@globex.example');
    expect(codes(whole)).toEqual([]);
  });

  it('a 2 MB Subject and a 300 KB To header are read, and kept within bounds', async () => {
    const to = Array.from({ length: 15_000 }, (_, i) => `p${i}@globex.example`).join(', ');
    const email = await parseEmail(
      mime(
        { ...headers, Subject: `Huge ${'s'.repeat(2 * 1024 * 1024)}`, To: to, 'Message-ID': '<late@x>' },
        'hi',
      ),
      { org },
    );
    expect(email.messageId).toBe('<late@x>');
    expect(email.subject).toHaveLength(2_048);
    expect(email.to).toHaveLength(1_000);
    expect(codes(email)?.sort()).toEqual(['recipients-truncated', 'subject-truncated']);
  });

  it('keeps the newest References within budget', async () => {
    const refs = Array.from({ length: 50_000 }, (_, i) => `<r${i}@x.example>`).join(' ');
    const email = await parseEmail(mime({ ...headers, References: refs }, 'hi'), { org });
    expect(email.references).toHaveLength(100);
    expect(email.references.at(-1)).toBe('<r49999@x.example>');
    expect(codes(email)).toEqual(['references-truncated']);
  });

  it('a read that breaks off is retried, never taken for a message cut short', async () => {
    const head = mime(headers, 'The first line arrived.\r\n');
    let sent = false;
    const source = new Readable({
      read() {
        if (sent) setTimeout(() => this.destroy(new Error('connection reset')), 20);
        else {
          sent = true;
          this.push(head);
        }
      },
    });
    await expect(parseEmail(source, { org })).rejects.toMatchObject({
      code: 'RAW_READ_FAILED',
      retryable: true,
    });
  });

  it('nothing cut: no cut-short entries', async () => {
    const email = await parseEmail(mime(headers, 'plain'), { org });
    expect(email.cutShort).toEqual([]);
  });
});
