/** The pure sync domain: lookup plan, Task drafts and the decisions docs/task-mapping.md describes. */
import { describe, expect, it } from 'vitest';
import { storedMessageDigest } from '#shared/domain/captured-email.ts';
import { captureIdForMessageId, captureIdOf, threadCaptureIds } from '#shared/domain/sync/capture-id.ts';
import {
  DESCRIPTION_MAX,
  decide,
  isRecordId,
  planLookups,
  type TaskDecision,
  TRUNCATION_MARKER,
  taskSubject,
} from '#shared/domain/sync/task-mapping.ts';
import type { LookupResult } from '#shared/ports/crm.ts';
import { email, emptyResult, FORWARD_OWNED, makeOrg } from './support.ts';

const org = makeOrg();
const ALICE = '005000000000001AAA';
const BOB = '005000000000002AAA';
const OPS = '005000000000003AAA';
const SALES_LEAD = '005000000000004AAA';
const JANE = '003000000000001AAA';
const CARL = '003000000000002AAA';
const SEAN = '003000000000003AAA';
const LENA = '00Q000000000001AAA';
const GLOBEX = '001000000000001AAA';
const INITECH = '001000000000002AAA';
const ORDER = '801000000000001AAA';
const ORDER_SO = '801000000000002AAA';
const OPP = '006000000000001AAA';

function world(): LookupResult {
  return {
    ...emptyResult(),
    users: [
      { id: ALICE, email: 'alice@acme.example', isActive: true },
      { id: BOB, email: 'Bob@Acme.example', isActive: true },
      { id: OPS, email: 'ops@acme.example', isActive: true },
      { id: SALES_LEAD, email: 'sales.lead@acme.example', isActive: true },
    ],
    contacts: [
      { id: JANE, email: 'jane@globex.example', accountId: GLOBEX, lastModified: '2026-01-01T00:00:00.000Z' },
      { id: CARL, email: 'carl@globex.example', accountId: GLOBEX, lastModified: null },
      { id: SEAN, email: "o'brien@globex.example", accountId: null, lastModified: null },
    ],
    leads: [{ id: LENA, email: 'lena@initech.example' }],
    orders: [
      { id: ORDER, number: 'ORD-10042', accountId: GLOBEX },
      { id: ORDER_SO, number: 'SO-104233', accountId: INITECH },
    ],
    records: [{ id: OPP, type: 'Opportunity' }],
  };
}

const options = { orderNumbersField: true, today: () => '2026-11-20T08:00:00.000Z' };
const create = (d: TaskDecision | undefined) => {
  if (d?.kind !== 'create') throw new Error(`expected create, got ${d?.kind}: ${JSON.stringify(d)}`);
  return d;
};

describe('capture ids', () => {
  it('are stable per org and Message-ID, ignoring brackets and whitespace', () => {
    expect(captureIdForMessageId('acme', '<a@b>')).toBe(captureIdForMessageId('acme', ' a@b '));
    expect(captureIdForMessageId('acme', '<a@b>')).toMatch(/^[0-9a-f]{40}$/);
    expect(captureIdForMessageId('acme', '<a@b>')).not.toBe(captureIdForMessageId('other', '<a@b>'));
    // Two reps BCC'ing the same message: same id whatever else differs.
    expect(captureIdOf('acme', email({ from: 'alice@acme.example' }))).toBe(
      captureIdOf('acme', email({ from: 'bob@acme.example', text: 'other copy' })),
    );
  });

  it('fall back to date, sender, subject and body without a Message-ID', () => {
    const a = email({ messageId: null });
    expect(captureIdOf('acme', a)).toBe(captureIdOf('acme', email({ messageId: null })));
    expect(captureIdOf('acme', a)).not.toBe(captureIdOf('acme', email({ messageId: null, text: 'x' })));
    expect(captureIdOf('acme', a)).not.toBe(captureIdOf('acme', email({ messageId: null, subject: 'x' })));
    expect(captureIdOf('acme', a)).not.toBe(captureIdOf('acme', email({ messageId: null, date: null })));
  });

  it('name the thread parents, In-Reply-To first then References newest first', () => {
    const reply = email({ inReplyTo: '<p2@x>', references: ['<p0@x>', '<p1@x>', '<p2@x>'] });
    expect(threadCaptureIds('acme', reply)).toEqual(
      ['<p2@x>', '<p1@x>', '<p0@x>'].map((id) => captureIdForMessageId('acme', id)),
    );
  });
});

describe('lookup plan', () => {
  it('collects every lookup of a batch once, lower-cased, skipping excluded mail', () => {
    const plan = planLookups(org, [
      email({ to: ['Jane <Jane@Globex.example>'], cc: ['carl@globex.example'], orderNumbers: ['4711'] }),
      email({ messageId: '<m2@x>', from: 'BOB@acme.example', to: ['jane@globex.example'], target: OPP }),
      email({
        messageId: '<m3@x>',
        mode: 'forward',
        forwardedFrom: "o'brien@globex.example",
        inReplyTo: '<p@x>',
      }),
      email({ messageId: '<m4@x>', to: ['secret@private.example'], excluded: 'private tag' }),
    ]);
    expect(plan.userEmails).toEqual(['alice@acme.example', 'ops@acme.example', 'bob@acme.example']);
    expect(plan.personEmails).toEqual([
      'jane@globex.example',
      'carl@globex.example',
      "o'brien@globex.example",
    ]);
    // Numeric order numbers also look up Salesforce's zero-padded auto-number.
    expect(plan.orderNumbers).toEqual(['4711', '00004711']);
    expect(plan.orderLookup).toEqual({ object: 'Order', field: 'OrderNumber' });
    expect(plan.recordIds).toEqual([OPP]);
    expect(plan.captureIds).toEqual([
      captureIdForMessageId('acme', '<m1@acme.example>'),
      captureIdForMessageId('acme', '<m2@x>'),
      captureIdForMessageId('acme', '<m3@x>'),
      captureIdForMessageId('acme', '<p@x>'),
    ]);
  });

  it('looks up a sub-address order number before the ones in the text', () => {
    const plan = planLookups(org, [email({ target: 'SO-104233', orderNumbers: ['ORD-10042'] })]);
    expect(plan.orderNumbers).toEqual(['SO-104233', 'ORD-10042']);
    expect(plan.recordIds).toEqual([]);
  });

  it('uses the org’s configured order object and field', () => {
    const custom = makeOrg({
      orderNumbers: {
        patterns: [],
        useDefaults: true,
        lookup: { object: 'Opportunity', field: 'PO_Number__c' },
      },
    });
    expect(planLookups(custom, [email()]).orderLookup).toEqual({
      object: 'Opportunity',
      field: 'PO_Number__c',
    });
  });
});

describe('Task drafts for a mixed batch', () => {
  it('maps owner, who, what, subject, description, dates and relations exactly', () => {
    const batch = [
      // 0: BCC, outbound rep → contact, Cc another contact, order number in the text.
      email({
        to: ['Jane Doe <jane@globex.example>'],
        cc: ['carl@globex.example', 'Bob Rep <bob@acme.example>'],
        subject: 'Your order ORD-10042',
        orderNumbers: ['ORD-10042'],
        date: '2026-11-17T23:30:00-02:00',
        text: 'It ships Monday.',
      }),
      // 1: BCC, inbound customer → rep: the rep (internal recipient) owns it, the sender is the Who.
      email({
        messageId: '<in@globex.example>',
        from: 'Jane Doe <jane@globex.example>',
        to: ['Bob Rep <bob@acme.example>'],
        subject: 'Question',
      }),
      // 2: a rep's proven forward: the original sender is the Who, the default owner owns it.
      email({
        messageId: '<fwd@acme.example>',
        mode: 'forward',
        verified: true,
        to: ['orders@acme.example'],
        subject: 'Fwd: delivery',
        forwardedFrom: "Sean O'Brien <o'brien@globex.example>",
        forwardedTo: ['alice@acme.example'],
      }),
      // 3: BCC to a lead: WhoId the lead, no WhatId (Salesforce forbids one with a Lead).
      email({ messageId: '<lead@acme.example>', to: ['lena@initech.example'], orderNumbers: ['ORD-10042'] }),
      // 4: the same message as 0, BCC'd by a second rep.
      email({ from: 'bob@acme.example', to: ['jane@globex.example'], subject: 'Your order ORD-10042' }),
    ];
    const decisions = decide(org, batch, world(), options);
    expect(decisions.map((d) => d.kind)).toEqual(['create', 'create', 'create', 'create', 'copy']);

    const first = create(decisions[0]);
    expect(first.task).toEqual({
      Subject: 'Email: Your order ORD-10042',
      Description: [
        'From: Alice Rep <alice@acme.example>',
        'To: Jane Doe <jane@globex.example>',
        'Cc: carl@globex.example, Bob Rep <bob@acme.example>',
        'Date: 2026-11-17T23:30:00-02:00',
        'Subject: Your order ORD-10042',
        '',
        'It ships Monday.',
      ].join('\n'),
      Status: 'Completed',
      TaskSubtype: 'Email',
      // 23:30 at UTC-2 is the next day in UTC.
      ActivityDate: '2026-11-18',
      OwnerId: ALICE,
      WhoId: JANE,
      WhatId: ORDER,
      Capture_Id__c: captureIdForMessageId('acme', '<m1@acme.example>'),
      Capture_Source__c: storedMessageDigest('<m1@acme.example> alice@acme.example'),
      Order_Numbers__c: 'ORD-10042',
    });
    expect(first.relations).toEqual([CARL]);
    expect(first.lead).toBeNull();

    expect(create(decisions[1]).task).toMatchObject({ OwnerId: BOB, WhoId: JANE, WhatId: GLOBEX });
    const fwd = create(decisions[2]).task;
    expect(fwd).toMatchObject({ OwnerId: OPS, WhoId: SEAN, WhatId: null, Order_Numbers__c: null });
    expect(fwd.Description).toContain("Forwarded message from Sean O'Brien <o'brien@globex.example>");
    expect(create(decisions[3]).task).toMatchObject({ OwnerId: ALICE, WhoId: LENA, WhatId: null });
    expect(decisions[4]).toEqual({ kind: 'copy', captureId: first.captureId, of: 0 });
  });

  it('reports a message already in Salesforce with its Task id, and whether this stored message wrote it', () => {
    const found = world();
    const captureId = captureIdOf('acme', email());
    const mine = email().origin?.sourceDigest;
    found.tasks = [{ id: '00T000000000009AAA', captureId, whatId: null, source: mine }];
    expect(decide(org, [email()], found, options)[0]).toMatchObject({
      kind: 'existing',
      taskId: '00T000000000009AAA',
      sameMessage: true,
    });
    // The same Message-ID from another stored message (another copy, or a reused id).
    expect(decide(org, [email({ source: 'another-stored-message' })], found, options)[0]).toMatchObject({
      kind: 'existing',
      sameMessage: false,
    });
    // A Task written before the stored message was recorded proves nothing.
    found.tasks = [{ id: '00T000000000009AAA', captureId, whatId: null }];
    expect(decide(org, [email()], found, options)[0]).toMatchObject({ kind: 'existing', sameMessage: false });
  });

  it('gives excluded mail no Task and says why', () => {
    expect(decide(org, [email({ excluded: 'private tag' })], world(), options)[0]).toMatchObject({
      kind: 'excluded',
      reason: 'private tag',
    });
  });
});

describe('owner', () => {
  it('falls back to the default owner when the rep has no active User', () => {
    const found = world();
    found.users[0] = { id: ALICE, email: 'alice@acme.example', isActive: false };
    expect(create(decide(org, [email()], found, options)[0]).task.OwnerId).toBe(OPS);
  });

  it('uses the capture address’s owner over the org default in forward mode', () => {
    const mail = email({
      mode: 'forward',
      verified: true,
      token: FORWARD_OWNED,
      forwardedFrom: 'jane@globex.example',
    });
    expect(planLookups(org, [mail]).userEmails).toEqual(['sales.lead@acme.example']);
    expect(create(decide(org, [mail], world(), options)[0]).task.OwnerId).toBe(SALES_LEAD);
  });

  it('fails without retry when neither the rep nor the default owner is a User', () => {
    const found = world();
    found.users = [];
    expect(decide(org, [email()], found, options)[0]?.kind).toBe('owner-missing');
  });
});

describe('who', () => {
  it('prefers a Contact over a Lead, To over Cc, and the oldest duplicate Contact', () => {
    const found = world();
    found.leads.push({ id: '00Q000000000002AAA', email: 'jane@globex.example' });
    found.contacts.push({
      id: '003000000000009AAA',
      email: 'JANE@globex.example',
      accountId: INITECH,
      lastModified: '2026-06-01T00:00:00.000Z',
      createdDate: '2020-01-01T00:00:00.000Z',
    });
    const d = create(
      decide(
        org,
        [email({ to: ['lena@initech.example', 'jane@globex.example'], cc: ['carl@globex.example'] })],
        found,
        options,
      )[0],
    );
    expect(d.task.WhoId).toBe('003000000000009AAA');
    expect(d.task.WhatId).toBe(INITECH);
    expect(d.relations).toEqual([CARL]);
  });

  it('relates at most 50 contacts, the WhoId among them, and names the rest in the Description', () => {
    const found = world();
    const cc = Array.from({ length: 60 }, (_, i) => `c${i}@globex.example`);
    found.contacts.push(
      ...cc.map((address, i) => ({
        id: `003${String(100 + i).padStart(12, '0')}AAA`,
        email: address,
        accountId: null,
        lastModified: null,
      })),
    );
    const d = create(decide(org, [email({ cc })], found, options)[0]);
    expect(d.task.WhoId).toBe(JANE);
    expect(d.relations).toHaveLength(49);
    expect(d.relations).not.toContain(JANE);
    // c0…c48 are related; c49…c59 are named.
    expect(d.task.Description).toContain(
      `Also with (Salesforce relates at most 50 contacts): ${cc.slice(49).join(', ')}\n`,
    );
    expect(d.task.Description).not.toMatch(/Also with[^\n]*c48@/);
  });

  it('relates no other contact without Shared Activities and names them in the Description', () => {
    const d = create(
      decide(org, [email({ cc: ['carl@globex.example'] })], world(), {
        ...options,
        sharedActivities: false,
      })[0],
    );
    expect(d.task.WhoId).toBe(JANE);
    expect(d.relations).toEqual([]);
    expect(d.task.Description).toContain('Also with (Shared Activities is off): carl@globex.example\n');
  });

  it('follows the unmatched policy', () => {
    const stranger = email({ to: ['Pat Smith <pat@unknown.example>'] });
    expect(decide(makeOrg({ unmatched: 'unresolved' }), [stranger], world(), options)[0]).toMatchObject({
      kind: 'unmatched',
      reason: 'no-contact-or-lead',
    });
    expect(decide(makeOrg({ unmatched: 'skip' }), [stranger], world(), options)[0]?.kind).toBe('unmatched');
    const d = create(decide(makeOrg({ unmatched: 'create-lead' }), [stranger], world(), options)[0]);
    expect(d.lead).toEqual({
      FirstName: 'Pat',
      LastName: 'Smith',
      Company: 'unknown',
      Email: 'pat@unknown.example',
      LeadSource: 'Email',
    });
    expect(d.task).toMatchObject({ WhoId: null, WhatId: null, OwnerId: ALICE });
    // Internal-only mail has nobody to create a Lead for.
    const internal = email({ to: ['bob@acme.example'] });
    expect(decide(makeOrg({ unmatched: 'create-lead' }), [internal], world(), options)[0]).toMatchObject({
      kind: 'unmatched',
      reason: 'no-external-participant',
    });
  });
});

describe('what', () => {
  const whatOf = (mail: ReturnType<typeof email>, found = world()) =>
    create(decide(org, [mail], found, options)[0]).task.WhatId;

  it('takes the sub-address record first, then the sub-address order number, then the text’s', () => {
    expect(whatOf(email({ target: OPP, orderNumbers: ['ORD-10042'] }))).toBe(OPP);
    // A 15-character id names the same record.
    expect(whatOf(email({ target: OPP.slice(0, 15) }))).toBe(OPP);
    expect(whatOf(email({ target: 'SO-104233', orderNumbers: ['ORD-10042'] }))).toBe(ORDER_SO);
    expect(whatOf(email({ orderNumbers: ['ORD-99999', 'ORD-10042'] }))).toBe(ORDER);
  });

  it('matches a numeric order number to a zero-padded auto-number', () => {
    const found = world();
    found.orders.push({ id: '801000000000007AAA', number: '00004711', accountId: null });
    expect(whatOf(email({ orderNumbers: ['4711'] }), found)).toBe('801000000000007AAA');
  });

  it('takes a zero-padded match only from the contact’s own account; an exact number from any', () => {
    const found = world();
    found.orders.push({ id: '801000000000008AAA', number: '00000250', accountId: INITECH });
    // "order 250 units" to a Globex contact: Initech's auto-number 00000250 is a collision.
    expect(whatOf(email({ orderNumbers: ['250'] }), found)).toBe(GLOBEX);
    expect(whatOf(email({ orderNumbers: ['00000250'] }), found)).toBe('801000000000008AAA');
    found.orders.push({ id: '801000000000009AAA', number: '00000251', accountId: GLOBEX });
    expect(whatOf(email({ orderNumbers: ['250', '251'] }), found)).toBe('801000000000009AAA');
  });

  it('inherits the thread parent’s WhatId, then falls back to the contact’s account, then none', () => {
    const found = world();
    found.tasks = [
      { id: '00T000000000001AAA', captureId: captureIdForMessageId('acme', '<parent@x>'), whatId: OPP },
    ];
    expect(whatOf(email({ inReplyTo: '<parent@x>' }), found)).toBe(OPP);
    expect(whatOf(email({ references: ['<parent@x>'] }), found)).toBe(OPP);
    expect(whatOf(email())).toBe(GLOBEX);
    expect(whatOf(email({ to: ["o'brien@globex.example"] }))).toBeNull();
  });

  it('ranks sub-address, ref:, order number, thread, single open opportunity, account', () => {
    const found = world();
    const OPEN = '006000000000002AAA';
    found.records.push({ id: ORDER_SO, type: 'Order', accountId: INITECH });
    found.tasks = [
      { id: '00T000000000001AAA', captureId: captureIdForMessageId('acme', '<parent@x>'), whatId: ORDER },
    ];
    found.opportunityRoles = [{ contactId: JANE, opportunityId: OPEN, accountId: GLOBEX }];
    const ref = `ref: ${ORDER_SO}`;
    const thread = { inReplyTo: '<parent@x>' };
    const by = (mail: ReturnType<typeof email>) => {
      const d = create(decide(org, [mail], found, options)[0]);
      return [d.task.WhatId, d.matchedBy.what];
    };
    expect(by(email({ target: OPP, text: ref, orderNumbers: ['ORD-10042'] }))).toEqual([OPP, 'sub-address']);
    expect(by(email({ text: ref, orderNumbers: ['ORD-10042'], ...thread }))).toEqual([ORDER_SO, 'ref']);
    expect(by(email({ orderNumbers: ['SO-104233'], ...thread }))).toEqual([ORDER_SO, 'order-number']);
    expect(by(email({ ...thread }))).toEqual([ORDER, 'thread']);
    expect(by(email())).toEqual([OPEN, 'opportunity']);
    // Two open opportunities: none of them.
    found.opportunityRoles.push({ contactId: JANE, opportunityId: '006000000000003AAA', accountId: GLOBEX });
    expect(by(email())).toEqual([GLOBEX, 'account']);
  });

  it('gives a shared address to the Who of the thread’s earlier Task', () => {
    const found = world();
    const OTHER_JANE = '003000000000000AAA';
    found.contacts.push({
      id: OTHER_JANE,
      email: 'jane@globex.example',
      accountId: INITECH,
      lastModified: null,
    });
    found.tasks = [
      {
        id: '00T000000000001AAA',
        captureId: captureIdForMessageId('acme', '<parent@x>'),
        whatId: null,
        whoId: JANE,
      },
    ];
    const reply = create(decide(org, [email({ inReplyTo: '<parent@x>' })], found, options)[0]);
    expect(reply.task.WhoId).toBe(JANE);
    expect(reply.matchedBy).toEqual({ who: 'context', what: 'account', unchecked: ['opportunity'] });
    // Without the thread the oldest (here: the lower id, no dates) takes it.
    const fresh = create(decide(org, [email()], found, options)[0]);
    expect(fresh.task.WhoId).toBe(OTHER_JANE);
    expect(fresh.matchedBy.who).toBe('policy:oldest');
  });

  it('asks for contact roles of mail without a sub-address, and activity dates for that policy only', () => {
    const plain = planLookups(org, [
      email({ text: `ref: ${OPP}` }),
      email({ target: ORDER, to: ['x@y.example'] }),
    ]);
    expect(plain.opportunityEmails).toEqual(['jane@globex.example']);
    expect(plain.recordIds).toEqual([OPP, ORDER]);
    expect(plain.activityDates).toBe(false);
    const recent = makeOrg({ matching: { duplicates: 'most-recent-activity' } });
    expect(planLookups(recent, [email()]).activityDates).toBe(true);
  });

  it('ignores a sub-address that is not a known record id', () => {
    expect(isRecordId(OPP)).toBe(true);
    expect(isRecordId('003000000000001AAA')).toBe(false); // a Contact cannot be a WhatId
    expect(isRecordId('ORD-10042')).toBe(false);
    expect(whatOf(email({ target: '006000000000099AAA' }))).toBe(GLOBEX);
  });
});

describe('limits and attachments', () => {
  it('cuts the subject at 255 characters with an ellipsis', () => {
    const subject = taskSubject('x'.repeat(300));
    expect(subject).toHaveLength(255);
    expect(subject.startsWith('Email: xxx')).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
    expect(taskSubject(null)).toBe('Email: (no subject)');
    expect(taskSubject('   ')).toBe('Email: (no subject)');
  });

  it('cuts the description to 32,000 characters with a visible marker', () => {
    const d = create(decide(org, [email({ text: 'y'.repeat(40_000) })], world(), options)[0]);
    expect(d.task.Description).toHaveLength(DESCRIPTION_MAX);
    expect(d.task.Description.endsWith(TRUNCATION_MARKER)).toBe(true);
    const short = create(decide(org, [email({ text: 'short', textTruncated: true })], world(), options)[0]);
    expect(short.task.Description.endsWith('short\n[…]')).toBe(true);
  });

  it('uses today (UTC) when the message has no readable date', () => {
    expect(create(decide(org, [email({ date: null })], world(), options)[0]).task.ActivityDate).toBe(
      '2026-11-20',
    );
    expect(create(decide(org, [email({ date: 'garbage' })], world(), options)[0]).task.ActivityDate).toBe(
      '2026-11-20',
    );
    // Salesforce refuses dates outside 1700–4000: a forged Date header falls back to today.
    for (const date of ['0001-01-01T00:00:00Z', '1600-05-01T00:00:00Z', '+009999-01-01T00:00:00Z'])
      expect(create(decide(org, [email({ date })], world(), options)[0]).task.ActivityDate).toBe(
        '2026-11-20',
      );
    expect(
      create(decide(org, [email({ date: '1999-12-31T23:00:00Z' })], world(), options)[0]).task.ActivityDate,
    ).toBe('1999-12-31');
  });

  it('leaves Order_Numbers__c out when the org lacks the field, and joins several otherwise', () => {
    const mail = email({ orderNumbers: ['ORD-1', 'ORD-2'], target: 'SO-3' });
    expect(create(decide(org, [mail], world(), options)[0]).task.Order_Numbers__c).toBe('SO-3, ORD-1, ORD-2');
    expect(
      create(decide(org, [mail], world(), { ...options, orderNumbersField: false })[0]).task.Order_Numbers__c,
    ).toBeNull();
  });

  it('uploads stored attachments, skips inline images and lists what was not uploaded', () => {
    const mail = email({
      attachments: [
        { filename: 'quote.pdf', size: 1000 },
        { filename: 'logo.png', contentType: 'image/png', inline: true, contentId: '<logo>' },
        { filename: 'huge.zip', size: 30 * 1024 * 1024 },
      ],
    });
    const d = create(decide(org, [mail], world(), options)[0]);
    expect(d.files.map((f) => f.filename)).toEqual(['quote.pdf']);
    expect(d.skippedFiles).toEqual([{ filename: 'huge.zip', reason: 'too large' }]);
    expect(d.task.Description).toContain(
      'Attachments: quote.pdf (1000 bytes), huge.zip (31457280 bytes, not uploaded: too large)',
    );
    const off = makeOrg({ attachments: { upload: false, maxBytes: 1000 } });
    expect(create(decide(off, [mail], world(), options)[0]).files).toEqual([]);
  });
});
