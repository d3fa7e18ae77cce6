import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { joinPassed, parseEmail, UnreadableEmailError } from '#shared/adapters/mime/parse-email.ts';
import { CapturedEmailSchema } from '#shared/domain/captured-email.ts';
import { fixture, mime, org } from './helpers.ts';

const bccCapture = {
  orgId: 'acme',
  address: 'acme-k7q2m9x4p8w3@capture.example.com',
  mode: 'bcc' as const,
  target: null,
};
const fwdCapture = {
  ...bccCapture,
  address: 'acme-inbox-3n8v5t2r6y1z@capture.example.com',
  mode: 'forward' as const,
};

describe('headers as real mail has them', () => {
  it('keeps the first of duplicated single-valued headers and says so', async () => {
    const email = await parseEmail(fixture('duplicate-headers.eml'));
    expect(email.from).toEqual({ address: 'alice@acme.example', name: 'Alice' });
    expect(email.subject).toBe('First subject');
    expect(email.messageId).toBe('<first@acme.example>');
    expect(email.date).toBe('2026-11-17T09:00:00.000Z');
    expect(email.warnings).toContain('duplicate subject header: the first one is used');
  });

  it('decodes raw 8-bit headers with the declared charset', async () => {
    const email = await parseEmail(fixture('raw-8bit-latin1.eml'));
    expect(email.from?.name).toBe('José García');
    expect(email.subject).toBe('Pedido nº 12345 â confirmación');
    expect(JSON.stringify(email)).not.toContain('\uFFFD');
  });

  it('falls back to windows-1252 for undeclared 8-bit headers', async () => {
    const email = await parseEmail(fixture('raw-8bit-undeclared.eml'));
    expect(email.subject).toBe('Grüße');
    expect(email.warnings).toContain('raw 8-bit header bytes decoded as windows-1252');
  });

  it('turns malformed dates and addresses into warnings, not failures', async () => {
    const email = await parseEmail(
      mime(
        {
          From: 'not an address',
          To: 'a@b.example',
          Subject: 'x',
          Date: 'Tue, 32 Foo 20xx 99:99',
          'Message-ID': '<m@x>',
        },
        'hi',
      ),
    );
    expect(email.from).toBeNull();
    expect(email.date).toBeNull();
    expect(email.warnings).toEqual(
      expect.arrayContaining(['from header has no readable address', 'Date header could not be read']),
    );
  });

  it('reads obsolete syntax: white space before colons and comments in addresses and ids', async () => {
    const email = await parseEmail(
      Buffer.from(
        'From  : John Doe <jdoe@machine(comment).  example>\r\nSubject     : Saying Hello\r\n' +
          'Message-ID  : <1234   @   local(blah)  .machine .example>\r\nDate  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\r\n\r\nhello\r\n',
      ),
    );
    expect(email.from).toEqual({ address: 'jdoe@machine.example', name: 'John Doe' });
    expect(email.subject).toBe('Saying Hello');
    expect(email.messageId).toBe('<1234@local.machine.example>');
    expect(email.date).toBe('1997-11-21T15:55:06.000Z');
  });

  it('enforces explicit limits with clear outcomes', async () => {
    const long = `From: a@b.example\r\nSubject: ${'x'.repeat(2000)}\r\n\r\n${'body '.repeat(500)}`;
    const email = await parseEmail(Buffer.from(long), { limits: { maxHeaderBytes: 512, maxTextChars: 100 } });
    expect(email.warnings[0]).toMatch(/header block larger than 512 bytes/);
    expect(email.text.length).toBe(100);
    expect(email.textTruncated).toBe(true);
    expect(email.cutShort?.map((c) => c.code)).toEqual(['text-truncated']);

    const parts = Array.from(
      { length: 5 },
      (_, i) =>
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nxyz\r\n`,
    ).join('');
    const many = await parseEmail(
      Buffer.from(
        `From: a@b.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`,
      ),
      { limits: { maxParts: 3 } },
    );
    expect(many.attachments).toHaveLength(3);
    expect(many.cutShort?.map((c) => c.code)).toEqual(['mime-parts']);
    expect(many.warnings).toContain(
      'mime-parts: more than 3 MIME parts: the rest of the message was not read',
    );
  });

  it('rejects input with no readable header with a typed error', async () => {
    await expect(parseEmail(Buffer.alloc(0))).rejects.toBeInstanceOf(UnreadableEmailError);
    await expect(parseEmail(Buffer.from([0, 159, 146, 150, 1, 2, 3, 255, 0]))).rejects.toBeInstanceOf(
      UnreadableEmailError,
    );
  });

  it('parses a stream as well as a buffer', async () => {
    const email = await parseEmail(Readable.from([fixture('gmail-forward.eml')]));
    expect(email.messageId).toBe('<fwd-gmail@acme.example>');
  });
});

describe('forwarded originals', () => {
  it('finds a Gmail inline forward in text and credits the original sender', async () => {
    const email = await parseEmail(fixture('gmail-forward.eml'), { org, capture: fwdCapture });
    expect(email.forwarded).toMatchObject({
      from: { address: 'sean.obrien@globex.example', name: "Sean O'Brien" },
      cc: [{ address: 'carl@globex.example', name: 'Carl' }],
      subject: 'Question about PO 4711',
      source: 'inline-text',
    });
    expect(email.direction).toBe('inbound');
    expect(email.participants.find((p) => p.role === 'forwarded-from')).toMatchObject({ internal: false });
  });

  it('finds an Outlook forward in an HTML-only message', async () => {
    const email = await parseEmail(fixture('outlook-html-forward.eml'));
    expect(email.forwarded).toMatchObject({
      from: { address: 'jane.doe@globex.example', name: 'Jane Doe' },
      subject: 'Order 123',
      source: 'inline-html',
      date: '2026-11-16T10:12:00.000Z',
    });
  });

  it('finds forwards written in other languages', async () => {
    const email = await parseEmail(fixture('german-gmail-forward.eml'));
    expect(email.forwarded?.from).toEqual({ address: 'juergen@kunde.example', name: 'Jürgen Müller' });
  });

  it('reads an attached message/rfc822 with encoded names', async () => {
    const email = await parseEmail(fixture('rfc822-attached.eml'));
    expect(email.forwarded).toMatchObject({
      from: { address: 'juergen@kunde.example', name: 'Jürgen Müller' },
      cc: [{ address: 'buchhaltung@kunde.example', name: 'Buchhaltung' }],
      subject: 'Rechnung für Juni',
      date: '2026-11-16T09:12:00.000Z',
      messageId: '<inner@kunde.example>',
      source: 'attachment',
    });
    expect(email.attachments[0]).toMatchObject({
      filename: 'Rechnung für Juni.eml',
      contentType: 'message/rfc822',
    });
    expect(email.orderNumbers).toEqual(['445566']);
  });

  it('masks card numbers in an attached original as the org says, like the body', async () => {
    const attached = mime(
      {
        From: 'Jane <jane@globex.example>',
        To: 'alice@acme.example',
        Subject: 'Payment',
        'Message-ID': '<in@globex.example>',
      },
      'Card 4111 1111 1111 1111, exp 12/29',
    ).toString('latin1');
    const raw = mime(
      {
        From: 'Alice <alice@acme.example>',
        To: 'jane@globex.example',
        Subject: 'Fwd: Payment',
        'Message-ID': '<out@acme.example>',
        'MIME-Version': '1.0',
        'Content-Type': 'multipart/mixed; boundary="b"',
      },
      `--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: message/rfc822\n\n${attached}\n--b--\n`,
    );
    const masked = await parseEmail(raw, { org });
    expect(masked.forwarded?.source).toBe('attachment');
    expect(masked.forwarded?.text).not.toContain('4111 1111 1111 1111');
    const kept = await parseEmail(raw, {
      org: { ...org, privacy: { ...org.privacy, maskCardNumbers: false } },
    });
    expect(kept.forwarded?.text).toContain('4111 1111 1111 1111');
  });

  it('does not take a quoted reply for a forward', async () => {
    const email = await parseEmail(fixture('reply-quote.eml'), { org, capture: bccCapture });
    expect(email.forwarded).toBeNull();
    expect(email.inReplyTo).toBe('<orig@globex.example>');
    expect(email.references).toEqual(['<first@globex.example>', '<orig@globex.example>']);
    expect(email.direction).toBe('outbound');
  });
});

describe('kind', () => {
  it('classifies auto-replies by their headers', async () => {
    expect((await parseEmail(fixture('auto-reply.eml'))).kind).toBe('auto-reply');
    for (const [name, value] of [
      ['X-Autoreply', 'yes'],
      ['X-Autorespond', 'vacation'],
      ['Precedence', 'auto_reply'],
      ['X-Autogenerated', 'Reply'],
    ]) {
      const email = await parseEmail(mime({ From: 'a@b.example', Subject: 'x', [name!]: value! }, 'hi'));
      expect(email.kind, name).toBe('auto-reply');
    }
    expect((await parseEmail(mime({ From: 'a@b.example', 'Auto-Submitted': 'no' }, 'hi'))).kind).toBe(
      'normal',
    );
  });

  it('marks bulk and mailing-list mail', async () => {
    for (const [name, value, bulk] of [
      ['Precedence', 'bulk', 'bulk-mail'],
      ['Precedence', 'junk', 'bulk-mail'],
      ['Precedence', 'list', 'list-mail'],
      ['List-Id', 'Customers <customers.lists.globex.example>', 'list-mail'],
      ['List-Unsubscribe', '<mailto:leave@globex.example>', 'list-mail'],
    ] as const) {
      const email = await parseEmail(mime({ From: 'a@b.example', Subject: 'x', [name]: value }, 'hi'));
      expect(email.bulk, `${name}: ${value}`).toBe(bulk);
      expect(email.kind).toBe('normal');
    }
    expect((await parseEmail(mime({ From: 'a@b.example' }, 'hi'))).bulk).toBeNull();
  });

  it('does not take the org’s own group (a List-Id under an internal domain) for a mailing list', async () => {
    const domain = org.internalDomains[0]!;
    const relayed = {
      From: "'Carl Jensen' via Sales <sales@" + domain + '>',
      'Reply-To': 'carl.jensen@globex.example',
      'List-Id': `Sales <sales.${domain}>`,
      Precedence: 'list',
      'List-Unsubscribe': `<mailto:sales+unsubscribe@${domain}>`,
    };
    expect((await parseEmail(mime(relayed, 'hi'), { org })).bulk).toBeNull();
    // Without the org the same headers are list mail; a customer's own list stays list mail.
    expect((await parseEmail(mime(relayed, 'hi'))).bulk).toBe('list-mail');
    const customers = { ...relayed, 'List-Id': '<purchasing.globex.example>' };
    expect((await parseEmail(mime(customers, 'hi'), { org })).bulk).toBe('list-mail');
    const bulk = { ...relayed, Precedence: 'bulk' };
    expect((await parseEmail(mime(bulk, 'hi'), { org })).bulk).toBe('bulk-mail');
  });

  it('reads the d= domain of every DKIM-Signature, folded or not', async () => {
    const email = await parseEmail(
      Buffer.from(
        [
          'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
          '\td=Acme.com; s=sel1; h=from:to:subject; bh=abc=; b=def=',
          'DKIM-Signature: v=1; a=rsa-sha256; d=esp.example; s=s2; bh=x; b=y',
          'From: alice@acme.com',
          'Subject: signed',
          '',
          'hi',
        ].join('\r\n'),
      ),
    );
    expect(email.authentication).toEqual({ dkimDomains: ['acme.com', 'esp.example'] });

    // Past ten signatures the rest is represented by an entry that aligns with nothing.
    const many = Array.from(
      { length: 12 },
      (_, i) => `DKIM-Signature: v=1; d=${i < 11 ? 'acme.com' : 'evil.example'}; b=x`,
    );
    const signed = await parseEmail(Buffer.from([...many, 'From: alice@acme.com', '', 'hi'].join('\r\n')));
    expect(signed.authentication?.dkimDomains).toEqual([...Array(10).fill('acme.com'), '']);
  });

  it('classifies bounces by report type, sender and null return path', async () => {
    expect((await parseEmail(fixture('bounce.eml'))).kind).toBe('bounce');
    expect((await parseEmail(mime({ From: 'postmaster@x.example', Subject: 'failure' }, 'x'))).kind).toBe(
      'bounce',
    );
    expect((await parseEmail(mime({ 'Return-Path': '<>', From: 'a@x.example' }, 'x'))).kind).toBe('bounce');
    expect(
      (await parseEmail(mime({ From: 'a@x.example' }, 'x'), { envelope: { mailFrom: '', recipients: [] } }))
        .kind,
    ).toBe('bounce');
  });
});

describe('privacy and attachments', () => {
  it('masks Luhn-valid card numbers only and flags inline images', async () => {
    const email = await parseEmail(fixture('card-and-logo.eml'));
    expect(email.text).toContain('•••• •••• •••• 1111');
    expect(email.text).toContain('1234 5678 9012 3456');
    expect(email.attachments).toEqual([
      expect.objectContaining({ filename: 'logo.png', inline: true, contentType: 'image/png', size: 8 }),
    ]);
    // Not stored, still measured: the SHA-256 of the decoded image (its base64 in the fixture).
    const png = Buffer.from('iVBORw0KGgo=', 'base64');
    expect(png).toHaveLength(8);
    expect(email.attachments[0]?.checksum).toBe(createHash('sha256').update(png).digest('hex'));
  });

  it('excludes private, excluded-domain and excluded-address mail with a reason', async () => {
    const base = { From: 'alice@acme.example', 'Message-ID': '<p@x>' };
    const tagged = await parseEmail(
      mime({ ...base, To: 'a@globex.example', Subject: 'Salary #private' }, 'x'),
      { org },
    );
    expect(tagged.excluded).toEqual({ reason: 'private-tag' });
    const domain = await parseEmail(mime({ ...base, To: 'x@sub.lawyers.example', Subject: 'x' }, 'x'), {
      org,
    });
    expect(domain.excluded).toEqual({ reason: 'excluded-domain' });
    const address = await parseEmail(mime({ ...base, To: 'CEO@acme.example', Subject: 'x' }, 'x'), { org });
    expect(address.excluded).toEqual({ reason: 'excluded-address' });
    const fine = await parseEmail(mime({ ...base, To: 'a@globex.example', Subject: 'x' }, 'x'), { org });
    expect(fine.excluded).toBeNull();
  });

  it('streams non-inline attachments to the sink and records where they went', async () => {
    const stored: { meta: unknown; bytes: number; sha256: string }[] = [];
    const sink = {
      put: async (
        meta: { index: number; filename: string | null; contentType: string },
        content: Readable,
      ) => {
        let bytes = 0;
        const hash = createHash('sha256');
        for await (const chunk of content) {
          bytes += (chunk as Buffer).length;
          hash.update(chunk as Buffer);
        }
        stored.push({ meta, bytes, sha256: hash.digest('hex') });
        return { storageKey: `k/${meta.index}` };
      },
    };
    const email = await parseEmail(fixture('rfc822-attached.eml'), { attachmentSink: sink });
    expect(stored).toHaveLength(1);
    // Size and checksum are those of the bytes the sink stored.
    expect(stored[0]?.bytes).toBe(email.attachments[0]?.size);
    expect(stored[0]?.sha256).toBe(email.attachments[0]?.checksum);
    expect(email.attachments[0]?.storageKey).toBe('k/0');
    const logo = await parseEmail(fixture('card-and-logo.eml'), { attachmentSink: sink });
    expect(stored).toHaveLength(1); // the inline logo is not stored
    expect(logo.attachments[0]?.storageKey).toBeNull();
  });

  it('fails the parse when the sink fails, whether it read part of the file or none of it', async () => {
    // A large attachment: the sink's failure must end the wait even with the stream backed up.
    const big = Buffer.alloc(3 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const raw = Buffer.from(
      [
        'From: alice@acme.example',
        'To: buyer@globex.example',
        'Subject: files',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--b',
        'Content-Type: application/octet-stream; name="a.bin"',
        'Content-Disposition: attachment; filename="a.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        big,
        '--b--',
        '',
      ].join('\r\n'),
    );
    const afterSome = {
      put: async (_meta: unknown, content: Readable) => {
        for await (const _chunk of content) throw new Error('S3 upload failed');
        return { storageKey: 'never' };
      },
    };
    await expect(parseEmail(raw, { attachmentSink: afterSome })).rejects.toThrow('S3 upload failed');
    const unread = { put: async () => Promise.reject(new Error('S3 refused the upload')) };
    await expect(parseEmail(raw, { attachmentSink: unread })).rejects.toThrow('S3 refused the upload');
  });
});

describe('participants and direction', () => {
  it('classifies internal and external participants and drops the capture address', async () => {
    const email = await parseEmail(
      mime(
        {
          From: 'Alice <alice@acme.example>',
          To: 'Buyer <buyer@globex.example>, acme-k7q2m9x4p8w3@capture.example.com',
          Cc: 'bob@eu.acme.example',
        },
        'x',
      ),
      { org, capture: bccCapture },
    );
    expect(email.direction).toBe('outbound');
    expect(email.participants.map((p) => [p.role, p.address, p.internal])).toEqual([
      ['from', 'alice@acme.example', true],
      ['to', 'buyer@globex.example', false],
      ['cc', 'bob@eu.acme.example', true],
    ]);
    const result = CapturedEmailSchema.safeParse(email);
    expect(result.success).toBe(true);
  });
});

describe('what reaches mailparser from memory', () => {
  it('joins neighbouring views into one without a copy, copies small pieces into one write, and leaves large ones apart', () => {
    const message = Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
    const split = message.indexOf('\r\n\r\n') + 2;
    const joined = joinPassed([message.subarray(0, split), message.subarray(split)]);
    expect(joined).toHaveLength(1);
    const [view] = joined;
    expect(view?.equals(message)).toBe(true);
    // Same memory: writing to the message shows through the joined view.
    message[0] = 0x66;
    expect(view?.[0]).toBe(0x66);

    const repaired = Buffer.from('Subject: hi\r\n');
    const copied = joinPassed([repaired, message.subarray(split)]);
    expect(copied).toHaveLength(1);
    expect(copied[0]?.toString()).toBe('Subject: hi\r\n\r\nbody\r\n');

    const large = Buffer.alloc(1024 * 1024, 0x61);
    const apart = joinPassed([repaired, large]);
    expect(apart).toHaveLength(2);
    expect(apart[1]).toBe(large);
    expect(joinPassed([])).toEqual([]);
  });
});
