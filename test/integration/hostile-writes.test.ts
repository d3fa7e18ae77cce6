/**
 * A hostile outsider with nothing but a mail client and the shared inbox's forward address,
 * through the whole local pipeline (SMTP in, the strict Salesforce emulator out): each attack has
 * no effect, and the legitimate mail sent in the same sync batch still lands. Batches are
 * composed by holding the batching windows open while the mails are parsed (a fake clock: no
 * window is waited for).
 */
import type { SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { useE2e } from '../support/e2e.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const INBOX = 'acme-inbox-3n8v5t2r6y1z@capture.localhost';
const MAIL_BCC = 'acme-mail-h6j2k9l4m8n3@capture.localhost';
const ATTENDEES = 45;

const e2e = useE2e({
  allowTestVerdicts: true,
  seed: {
    Contact: Array.from({ length: ATTENDEES * 5 }, (_, i) => ({
      LastName: `Guest ${i}`,
      Email: `guest${i}@globex.example`,
      AccountId: '@Account:Globex Corporation',
    })),
  },
});

const send = (message: SendMailOptions) => e2e.send(message);

/**
 * The mails sent together: the batching windows are held open until the parse stage has handed
 * them all on, so they reach the sync stage in one batch where the event source batches them.
 */
async function inOneBatch(mails: SendMailOptions[]): Promise<void> {
  await e2e.together(() => Promise.all(mails.map(send)));
  await e2e.stack.idle();
}

async function outcome(messageId: string): Promise<OutcomeRecord | undefined> {
  const all = await e2e.outcomesOf(messageId);
  return all.find((o) => o.stage === 'sync') ?? all[0];
}
const idOf = (soql: string) => e2e.idOf(soql);
const verdicts = (dmarc: string) => ({ 'X-Capture-Test-Verdicts': `spf=FAIL,dkim=FAIL,dmarc=${dmarc}` });

/** A legitimate customer mail through the shared inbox: the one that must land. */
const legit = (id: string): SendMailOptions => ({
  from: 'Carl <carl@globex.example>',
  to: INBOX,
  subject: `Delivery question ${id}`,
  messageId: `<legit-${id}@globex.example>`,
});

function ics(o: { uid: string; sequence: number; method?: string; organizer: string; attendees?: string[] }) {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Capture tests//EN',
    `METHOD:${o.method ?? 'REQUEST'}`,
    'BEGIN:VEVENT',
    `UID:${o.uid}`,
    `SEQUENCE:${o.sequence}`,
    'DTSTAMP:20261120T080000Z',
    'DTSTART:20261201T093000Z',
    `DTEND:20261201T${o.sequence === 1 ? '11' : '10'}3000Z`,
    'SUMMARY:Pricing review',
    `ORGANIZER:mailto:${o.organizer}`,
    ...(o.attendees ?? ['jane.doe@globex.example']).map((a) => `ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:${a}`),
    ...(o.method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const invite = (
  o: Parameters<typeof ics>[0] & {
    from: string;
    to: string;
    messageId: string;
    headers?: Record<string, string>;
  },
): SendMailOptions => ({
  from: o.from,
  to: o.to,
  subject: `Invitation: Pricing review (${o.messageId})`,
  messageId: o.messageId,
  ...(o.headers ? { headers: o.headers } : {}),
  icalEvent: { method: (o.method ?? 'REQUEST').toLowerCase(), content: ics(o) },
});

interface EventRow {
  Id: string;
  OwnerId: string;
  EndDateTime: string;
  Capture_Sequence__c: number | null;
  IsDeleted: boolean;
}
const eventById = async (id: string | null | undefined) =>
  (
    await e2e.sf.query<EventRow>(
      `SELECT Id, OwnerId, EndDateTime, Capture_Sequence__c, IsDeleted FROM Event WHERE Id = '${id}'`,
      { scanAll: true },
    )
  ).records[0];

describe('an outsider cannot take over a rep’s meeting', () => {
  it('ignores a CANCEL and a huge SEQUENCE from the shared inbox; the organizer’s update still applies', async () => {
    const uid = 'pricing-1@acme.example';
    await send(
      invite({
        uid,
        sequence: 0,
        organizer: 'alice@acme.example',
        from: 'alice@acme.example',
        to: BCC,
        messageId: '<meet-0@acme.example>',
      }),
    );
    await e2e.stack.idle();
    const created = await outcome('<meet-0@acme.example>');
    expect(created).toMatchObject({ outcome: 'created', reason: 'event-created' });
    const alice = await idOf("SELECT Id FROM User WHERE Email = 'alice@acme.example'");
    await inOneBatch([
      invite({
        uid,
        sequence: 1,
        method: 'CANCEL',
        organizer: 'alice@acme.example',
        from: 'mallory@evil.example',
        to: INBOX,
        messageId: '<evil-cancel@evil.example>',
        headers: verdicts('FAIL'),
      }),
      invite({
        uid,
        sequence: Number.MAX_SAFE_INTEGER,
        organizer: 'alice@acme.example',
        from: 'mallory@evil.example',
        to: INBOX,
        messageId: '<evil-seq@evil.example>',
        headers: verdicts('FAIL'),
      }),
      legit('meeting'),
    ]);
    const event = await eventById(created?.taskId);
    expect(event).toMatchObject({ IsDeleted: false, OwnerId: alice, Capture_Sequence__c: 0 });
    expect((await outcome('<evil-cancel@evil.example>'))?.outcome).not.toBe('created');
    expect(await outcome('<legit-meeting@globex.example>')).toMatchObject({ outcome: 'created' });
    // The real organizer's next SEQUENCE is not locked out.
    await send(
      invite({
        uid,
        sequence: 1,
        organizer: 'alice@acme.example',
        from: 'alice@acme.example',
        to: BCC,
        messageId: '<meet-1@acme.example>',
      }),
    );
    await e2e.stack.idle();
    expect(await outcome('<meet-1@acme.example>')).toMatchObject({
      outcome: 'created',
      reason: 'event-updated',
    });
    expect(await eventById(created?.taskId)).toMatchObject({ Capture_Sequence__c: 1, OwnerId: alice });
  });

  it('lets a copy through the shared inbox create the Event but not own it: the rep’s copy does', async () => {
    const uid = 'globex-visit@globex.example';
    const meeting = {
      uid,
      sequence: 0,
      organizer: 'jane.doe@globex.example',
      attendees: ['alice@acme.example'],
    };
    await send(
      invite({
        ...meeting,
        from: 'jane.doe@globex.example',
        to: INBOX,
        messageId: '<visit-inbox@globex.example>',
      }),
    );
    await e2e.stack.idle();
    const first = await outcome('<visit-inbox@globex.example>');
    const ops = await idOf("SELECT Id FROM User WHERE Email = 'ops@acme.example'");
    expect(await eventById(first?.taskId)).toMatchObject({ OwnerId: ops, Capture_Sequence__c: null });
    await send(
      invite({ ...meeting, from: 'alice@acme.example', to: BCC, messageId: '<visit-alice@acme.example>' }),
    );
    await e2e.stack.idle();
    const alice = await idOf("SELECT Id FROM User WHERE Email = 'alice@acme.example'");
    expect(await eventById(first?.taskId)).toMatchObject({ OwnerId: alice, Capture_Sequence__c: 0 });
  });
});

describe('one mail fails only itself', () => {
  it('names a Contract id and an unknown Case id without failing its batch', async () => {
    await inOneBatch([
      {
        from: 'jane.doe@globex.example',
        to: 'acme-inbox-3n8v5t2r6y1z+800000000000001aaa@capture.localhost',
        subject: 'Contract',
        messageId: '<contract@globex.example>',
        text: 'See ref: 500000000000999AAA and ref: 800000000000002AAA',
      },
      legit('contract'),
    ]);
    const named = await outcome('<contract@globex.example>');
    expect(named).toMatchObject({ outcome: 'created' });
    expect(named?.warnings).toContain(
      '500000000000999AAA names no record Capture can read: not used as Related To',
    );
    expect(await outcome('<legit-contract@globex.example>')).toMatchObject({ outcome: 'created' });
  });

  it('makes every string well-formed: a lone surrogate in a name, subject and address fails nothing', async () => {
    const lone = '=?UTF-7?Q?+2D3-?=';
    await inOneBatch([
      {
        from: `${lone} Jane <jane.doe@globex.example>`,
        to: INBOX,
        subject: `Broken ${lone} subject`,
        messageId: '<surrogate@globex.example>',
        text: 'Forwarded\n\n---------- Forwarded message ---------\nFrom: Pat <pat+2D3-@globex.example>\nSubject: x\n\nhi',
        textEncoding: 'quoted-printable',
        headers: { 'Content-Type': 'text/plain; charset=utf-7' },
      },
      legit('surrogate'),
    ]);
    const hostile = await outcome('<surrogate@globex.example>');
    expect(hostile).toMatchObject({ outcome: 'created' });
    const task = (
      await e2e.sf.query<{ Subject: string }>(`SELECT Subject FROM Task WHERE Id = '${hostile?.taskId}'`)
    ).records[0];
    // The lone surrogate became U+FFFD.
    expect(task?.Subject).toBe('Email: Broken \ufffd subject');
    expect(await outcome('<legit-surrogate@globex.example>')).toMatchObject({ outcome: 'created' });
  });

  it('writes every EventRelation and EmailMessageRelation past the per-call limits', async () => {
    const guests = (k: number) =>
      Array.from({ length: ATTENDEES }, (_, i) => `guest${k * ATTENDEES + i}@globex.example`);
    const many = Array.from({ length: 5 }, (_, k) =>
      invite({
        uid: `big-${k}@acme.example`,
        sequence: 0,
        organizer: 'alice@acme.example',
        attendees: guests(k),
        from: 'alice@acme.example',
        to: BCC,
        messageId: `<big-${k}@acme.example>`,
      }),
    );
    const wide = Array.from({ length: 4 }, (_, k) => ({
      from: 'alice@acme.example',
      to: [
        'jane.doe@globex.example',
        ...Array.from({ length: 190 }, (_, i) => `wide${k}.${i}@globex.example`),
      ].join(', '),
      bcc: MAIL_BCC,
      subject: `Wide ${k}`,
      messageId: `<wide-${k}@acme.example>`,
    }));
    await inOneBatch([...many, legit('limits')]);
    await inOneBatch(wide);
    for (let k = 0; k < 5; k++) {
      const o = await outcome(`<big-${k}@acme.example>`);
      expect(o).toMatchObject({ outcome: 'created', reason: 'event-created' });
      // Every guest: the Who's own row and the invitees'.
      const rows = await e2e.sf.query(
        `SELECT Id FROM EventRelation WHERE EventId = '${o?.taskId}' AND IsWhat = false`,
      );
      expect(rows.totalSize).toBe(ATTENDEES);
    }
    expect(await outcome('<legit-limits@globex.example>')).toMatchObject({ outcome: 'created' });
    const messages = (
      await e2e.records<{ Id: string; Subject: string }>('SELECT Id, Subject FROM EmailMessage')
    ).filter((m) => m.Subject.startsWith('Wide '));
    expect(messages).toHaveLength(4);
    const ids = new Set(messages.map((m) => m.Id));
    // From and 191 To addresses each: 768 rows, more than three Collections of 200.
    const rows = await e2e.records<{ EmailMessageId: string }>(
      'SELECT EmailMessageId FROM EmailMessageRelation',
    );
    expect(rows.filter((r) => ids.has(r.EmailMessageId))).toHaveLength(4 * 192);
  });
});

describe('an outsider cannot write onto other records', () => {
  it('keeps a ref: id, sub-address or order number of another Account off its Task, and says why', async () => {
    const initechOpp = await idOf("SELECT Id FROM Opportunity WHERE Name = 'Initech expansion'");
    const globex = await idOf("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const globexOrder = await idOf("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const jane = 'Jane Doe <jane.doe@globex.example>';
    await inOneBatch([
      {
        from: jane,
        to: INBOX,
        subject: 'About your deal',
        messageId: '<onto-ref@globex.example>',
        text: `ref: ${initechOpp}`,
      },
      {
        from: jane,
        to: 'acme-inbox-3n8v5t2r6y1z+so-104233@capture.localhost',
        subject: 'Your order',
        messageId: '<onto-sub@globex.example>',
      },
      { from: jane, to: INBOX, subject: 'Our order ORD-10042', messageId: '<onto-own@globex.example>' },
      legit('onto'),
    ]);
    for (const id of ['<onto-ref@globex.example>', '<onto-sub@globex.example>']) {
      const o = await outcome(id);
      expect(o).toMatchObject({ outcome: 'created' });
      expect(o?.warnings?.join('\n')).toMatch(
        /names a record outside the sender's Account: not used as Related To/,
      );
      const task = (
        await e2e.sf.query<{ WhatId: string; Description: string }>(
          `SELECT WhatId, Description FROM Task WHERE Id = '${o?.taskId}'`,
        )
      ).records[0];
      expect(task?.WhatId).toBe(globex);
      expect(task?.Description).toContain('Capture: ');
    }
    const own = await outcome('<onto-own@globex.example>');
    const ownTask = (
      await e2e.sf.query<{ WhatId: string }>(`SELECT WhatId FROM Task WHERE Id = '${own?.taskId}'`)
    ).records[0];
    expect(ownTask?.WhatId).toBe(globexOrder);
    expect(await outcome('<legit-onto@globex.example>')).toMatchObject({ outcome: 'created' });
  });

  it('adds nothing to a rep’s Task by reusing its Message-ID', async () => {
    await send({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      cc: 'carl@globex.example',
      bcc: BCC,
      subject: 'Quote',
      messageId: '<quote@acme.example>',
      attachments: [{ filename: 'quote.pdf', content: 'the quote' }],
    });
    await e2e.stack.idle();
    const rep = await outcome('<quote@acme.example>');
    expect(rep).toMatchObject({ outcome: 'created' });
    const piecesOf = async () => ({
      files: (
        await e2e.sf.query<{ PathOnClient: string }>(
          `SELECT PathOnClient FROM ContentVersion WHERE FirstPublishLocationId = '${rep?.taskId}'`,
        )
      ).records.map((f) => f.PathOnClient),
      relations: (await e2e.sf.query(`SELECT Id FROM TaskRelation WHERE TaskId = '${rep?.taskId}'`))
        .totalSize,
    });
    const before = await piecesOf();
    expect(before.files).toEqual(['quote.pdf']);
    await inOneBatch([
      {
        from: 'Peter <peter@initech.example>',
        to: INBOX,
        cc: "o'brien@globex.example",
        subject: 'Quote',
        messageId: '<quote@acme.example>',
        attachments: [{ filename: 'invoice.pdf', content: 'pay here' }],
      },
      legit('reuse'),
    ]);
    const reuse = (await e2e.stack.outcomes.list()).filter(
      (o) => o.messageId === '<quote@acme.example>' && o.orgId === 'acme',
    );
    expect(reuse.map((o) => [o.outcome, o.reason])).toContainEqual([
      'duplicate',
      'another-copy-already-logged',
    ]);
    expect(await piecesOf()).toEqual(before);
    expect(await outcome('<legit-reuse@globex.example>')).toMatchObject({ outcome: 'created' });
  });
});
