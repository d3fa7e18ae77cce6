/** writeToSalesforce over an in-memory CRM: outcomes per email, retries, error classes, ledger, leads, files. */
import { describe, expect, it } from 'vitest';
import { captureIdOf } from '#shared/domain/sync/capture-id.ts';
import { PermanentError } from '#shared/errors.ts';
import type { AttachmentSource } from '#shared/ports/attachment-source.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import { email, FakeCrm, MemoryLedger, makeOrg, transient } from './support.ts';

const org = makeOrg();
const fast = { backoffMs: 1, retries: 3 };

function seeded() {
  const crm = new FakeCrm();
  crm.data.users = [
    { id: '005000000000001AAA', email: 'alice@acme.example', isActive: true },
    { id: '005000000000003AAA', email: 'ops@acme.example', isActive: true },
  ];
  crm.data.contacts = [
    { id: '003000000000001AAA', email: 'jane@globex.example', accountId: null, lastModified: null },
    { id: '003000000000002AAA', email: 'carl@globex.example', accountId: null, lastModified: null },
  ];
  return crm;
}

const batch = () => [
  email({ messageId: '<a@x>', cc: ['carl@globex.example'] }),
  email({ messageId: '<b@x>', to: ['nobody@unknown.example'] }),
  email({ messageId: '<c@x>', excluded: 'private tag' }),
  email({ messageId: '<a@x>', from: 'bob@acme.example' }),
  email({ messageId: '<d@x>' }),
];

describe('writeToSalesforce', () => {
  it('returns one result per email in order, with the API calls of the batch', async () => {
    const crm = seeded();
    const results = await writeToSalesforce({ org, emails: batch(), crm, ...fast });
    expect(results.map((r) => r.outcome)).toEqual([
      'created',
      'unmatched',
      'excluded',
      'duplicate',
      'created',
    ]);
    expect(results.map((r) => r.captureId)).toEqual(batch().map((e) => captureIdOf('acme', e)));
    expect(results[3]?.taskId).toBe(results[0]?.taskId);
    expect(results[1]?.reason).toBe('no-contact-or-lead');
    expect(results[2]?.reason).toBe('private tag');
    // lookup + one upsert + one attach (the Cc relation).
    expect(results.every((r) => r.apiCalls === 3)).toBe(true);
    expect(crm.tasks).toHaveLength(2);
    expect(crm.relations).toEqual([{ taskId: results[0]?.taskId, relationId: '003000000000002AAA' }]);
  });

  it('retries a transient lookup failure inside the batch', async () => {
    const crm = seeded();
    crm.fail('lookup', transient('REQUEST_LIMIT_EXCEEDED'), transient('UNABLE_TO_LOCK_ROW'));
    const results = await writeToSalesforce({ org, emails: [email()], crm, ...fast });
    expect(results[0]?.outcome).toBe('created');
    expect(crm.plans).toHaveLength(1);
  });

  it('reports a lasting transient failure as failed and retryable for the emails it affects', async () => {
    const crm = seeded();
    crm.fail('upsertTasks', ...Array.from({ length: 5 }, () => transient('SERVER_UNAVAILABLE')));
    const results = await writeToSalesforce({ org, emails: batch(), crm, ...fast });
    // Unmatched and excluded need no write: their outcome stands. The in-batch copy fails with its original.
    expect(results.map((r) => [r.outcome, r.retryable])).toEqual([
      ['failed', true],
      ['unmatched', undefined],
      ['excluded', undefined],
      ['failed', true],
      ['failed', true],
    ]);
    expect(crm.calls).toBe(1 + 4);
    expect(results[0]?.reason).toMatch(/^SERVER_UNAVAILABLE/);
    expect(results[0]?.captureId).toBe(captureIdOf('acme', email({ messageId: '<a@x>' })));
  });

  it('does not retry a permanent failure and surfaces its code', async () => {
    const crm = seeded();
    crm.fail('lookup', new PermanentError('INVALID_FIELD', "No such column 'Capture_Id__c'"));
    const results = await writeToSalesforce({ org, emails: [email()], crm, ...fast });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: false });
    expect(results[0]?.reason).toBe("INVALID_FIELD: No such column 'Capture_Id__c'");
    expect(crm.calls).toBe(1);
  });

  it('fails only the records Salesforce rejects, retrying record-level transient errors once', async () => {
    const crm = seeded();
    crm.rejectTask = (task, attempt) => {
      if (task.Capture_Id__c === captureIdOf('acme', email({ messageId: '<bad@x>' })))
        return {
          ok: false,
          code: 'STRING_TOO_LONG',
          message: 'Subject: data value too large',
          retryable: false,
        };
      if (task.Capture_Id__c === captureIdOf('acme', email({ messageId: '<locked@x>' })) && attempt === 1)
        return {
          ok: false,
          code: 'UNABLE_TO_LOCK_ROW',
          message: 'unable to obtain exclusive access',
          retryable: true,
        };
      return null;
    };
    const results = await writeToSalesforce({
      org,
      emails: [
        email({ messageId: '<ok@x>' }),
        email({ messageId: '<bad@x>' }),
        email({ messageId: '<locked@x>' }),
      ],
      crm,
      ...fast,
    });
    expect(results.map((r) => r.outcome)).toEqual(['created', 'failed', 'created']);
    // A copy of the rejected message in the same batch shares its failure.
    const withCopy = await writeToSalesforce({
      org,
      emails: [email({ messageId: '<bad@x>' }), email({ messageId: '<bad@x>', from: 'bob@acme.example' })],
      crm,
      ...fast,
    });
    expect(withCopy.map((r) => [r.outcome, r.retryable])).toEqual([
      ['failed', false],
      ['failed', false],
    ]);
    expect(results[1]).toMatchObject({
      retryable: false,
      reason: 'STRING_TOO_LONG: Subject: data value too large',
    });
    expect(crm.tasks).toHaveLength(2);
  });

  it('creates a Lead first under the create-lead policy and points the Task at it', async () => {
    const crm = seeded();
    const results = await writeToSalesforce({
      org: makeOrg({ unmatched: 'create-lead' }),
      emails: [email({ to: ['Pat Smith <pat@unknown.example>'] })],
      crm,
      ...fast,
    });
    expect(results[0]?.outcome).toBe('created');
    expect(crm.leads).toEqual([expect.objectContaining({ Email: 'pat@unknown.example', LastName: 'Smith' })]);
    expect(crm.tasks[0]?.WhoId).toBe(crm.leads[0]?.Id);
  });

  it('reports a rejected Lead with its code and writes no Task for it', async () => {
    const crm = seeded();
    crm.rejectLead = () => ({
      ok: false,
      code: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Company]',
      retryable: false,
    });
    const results = await writeToSalesforce({
      org: makeOrg({ unmatched: 'create-lead' }),
      emails: [email({ to: ['pat@unknown.example'] }), email({ messageId: '<known@x>' })],
      crm,
      ...fast,
    });
    expect(results[0]).toMatchObject({
      outcome: 'failed',
      retryable: false,
      reason: 'REQUIRED_FIELD_MISSING: lead could not be created: Required fields are missing: [Company]',
      code: 'REQUIRED_FIELD_MISSING',
    });
    expect(results[1]?.outcome).toBe('created');
    expect(crm.tasks).toHaveLength(1);
  });

  it('uploads stored attachments as Files on the new Task; a failed upload fails the email for a retry that adds the files', async () => {
    const crm = seeded();
    const reads: string[] = [];
    const attachments: AttachmentSource = {
      read: async (key) => {
        reads.push(key);
        if (key.endsWith('/1')) throw new Error('gone');
        return Buffer.from(`content of ${key}`);
      },
    };
    const mail = email({
      attachments: [
        { filename: 'quote.pdf', storageKey: 'attachments/acme/m/0' },
        { filename: 'lost.pdf', storageKey: 'attachments/acme/m/1' },
        { filename: 'logo.png', inline: true, storageKey: 'attachments/acme/m/2' },
      ],
    });
    const results = await writeToSalesforce({ org, emails: [mail], crm, attachments, ...fast });
    expect(results[0]?.outcome).toBe('created');
    expect(reads).toEqual(['attachments/acme/m/0', 'attachments/acme/m/1']);
    expect(crm.files).toEqual([
      {
        taskId: results[0]?.taskId,
        title: 'quote',
        pathOnClient: 'quote.pdf',
        content: Buffer.from('content of attachments/acme/m/0'),
      },
    ]);

    const failing = seeded();
    failing.fail('attach', ...Array.from({ length: 5 }, () => transient()));
    const first = await writeToSalesforce({ org, emails: [mail], crm: failing, attachments, ...fast });
    expect(first[0]).toMatchObject({ outcome: 'failed', retryable: true });
    expect(first[0]?.taskId).toBe(failing.tasks[0]?.Id);
    expect(failing.files).toEqual([]);
    // The redelivery finds the Task and adds the file it lacks; a third delivery adds nothing.
    const again = await writeToSalesforce({ org, emails: [mail], crm: failing, attachments, ...fast });
    expect(again[0]).toMatchObject({
      outcome: 'created',
      taskId: first[0]?.taskId,
      reason: 'completed-on-retry',
    });
    expect(failing.tasks).toHaveLength(1);
    expect(failing.files.map((f) => f.pathOnClient)).toEqual(['quote.pdf']);
    const third = await writeToSalesforce({ org, emails: [mail], crm: failing, attachments, ...fast });
    expect(third[0]).toMatchObject({ outcome: 'duplicate', taskId: first[0]?.taskId });
    expect(failing.files).toHaveLength(1);
  });

  it('names in the outcome a relation Salesforce refuses for good, and keeps the Task', async () => {
    const crm = seeded();
    const attach = crm.attach.bind(crm);
    crm.attach = async (relations, files) => {
      const out = await attach(relations, files);
      return {
        ...out,
        relations: out.relations.map(() => ({
          ok: false as const,
          code: 'FIELD_INTEGRITY_EXCEPTION',
          message: 'refused',
          retryable: false,
        })),
      };
    };
    const [result] = await writeToSalesforce({
      org,
      emails: [email({ cc: ['carl@globex.example'] })],
      crm,
      ...fast,
    });
    expect(result).toMatchObject({
      outcome: 'created',
      notes: ['1 relation(s): FIELD_INTEGRITY_EXCEPTION refused by Salesforce'],
    });
  });

  it('retries the message when the attachment store is down, and adds the file on redelivery', async () => {
    const crm = seeded();
    let down = true;
    const attachments: AttachmentSource = {
      read: async (key) => {
        if (down) throw transient('S3_ERROR');
        return Buffer.from(`content of ${key}`);
      },
    };
    const mail = email({ attachments: [{ filename: 'quote.pdf', storageKey: 'attachments/acme/m/0' }] });
    const [first] = await writeToSalesforce({ org, emails: [mail], crm, attachments, ...fast });
    expect(first).toMatchObject({ outcome: 'failed', retryable: true });
    expect(first?.reason).toMatch(/attachment could not be read/);
    down = false;
    const [second] = await writeToSalesforce({ org, emails: [mail], crm, attachments, ...fast });
    expect(second).toMatchObject({ outcome: 'created', taskId: first?.taskId });
    expect(crm.tasks).toHaveLength(1);
    expect(crm.files.map((f) => f.pathOnClient)).toEqual(['quote.pdf']);
  });

  it('reads and sends files in groups of bounded bytes, never all at once', async () => {
    const crm = seeded();
    const big = 'x'.repeat(400);
    const attachments = { read: async (key: string) => Buffer.from(`${key}:${big}`) };
    const emails = Array.from({ length: 4 }, (_, m) =>
      email({
        messageId: `<files-${m}@acme.example>`,
        attachments: Array.from({ length: 3 }, (_, i) => ({
          filename: `../../etc/f${m}-${i}.pdf`,
          storageKey: `attachments/acme/${m}/${i}`,
          size: 430,
        })),
      }),
    );
    const results = await writeToSalesforce({
      org,
      emails,
      crm,
      attachments,
      fileBytesInFlight: 1_000,
      ...fast,
    });
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created', 'created']);
    expect(crm.files).toHaveLength(12);
    // 430-byte files, 1,000 bytes at a time: two per call.
    expect(crm.attachBytes.length).toBe(6);
    for (const bytes of crm.attachBytes) expect(bytes).toBeLessThanOrEqual(1_000);
    expect(crm.files.map((f) => f.pathOnClient)).toContain('f0-0.pdf');
  });
});

describe('writeToSalesforce without Capture_Id__c (ledger)', () => {
  const noField = () => {
    const crm = seeded();
    crm.caps = {
      captureIdField: false,
      orderNumbersField: false,
      sharedActivities: true,
      taskStatus: 'Completed',
    };
    return crm;
  };

  it('claims, creates and completes; a redelivery is a duplicate of the same Task', async () => {
    const crm = noField();
    const ledger = new MemoryLedger();
    const first = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    const second = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    expect(first[0]?.outcome).toBe('created');
    expect(second[0]).toMatchObject({
      outcome: 'duplicate',
      taskId: first[0]?.taskId,
      reason: 'already-in-ledger',
    });
    expect(crm.tasks).toHaveLength(1);
    expect(crm.tasks[0]?.Order_Numbers__c).toBeNull();
  });

  it('reports a claim another delivery holds as retryable, never as a duplicate without a Task', async () => {
    const crm = noField();
    const ledger = new MemoryLedger();
    await ledger.claim('acme', captureIdOf('acme', email()));
    const results = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: true });
    expect(results[0]?.reason).toMatch(/^LEDGER_CLAIMED/);
    expect(crm.tasks).toHaveLength(0);
  });

  it('releases its claims when the write fails, so the retry can create the Task', async () => {
    const crm = noField();
    const ledger = new MemoryLedger();
    crm.fail('upsertTasks', ...Array.from({ length: 4 }, () => transient()));
    const failed = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    expect(failed[0]).toMatchObject({ outcome: 'failed', retryable: true });
    expect(ledger.entries.size).toBe(0);
    const retried = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    expect(retried[0]?.outcome).toBe('created');
    expect(crm.tasks).toHaveLength(1);
  });

  it('releases the claim of a record Salesforce rejects', async () => {
    const crm = noField();
    const ledger = new MemoryLedger();
    crm.rejectTask = () => ({
      ok: false,
      code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'no',
      retryable: false,
    });
    const results = await writeToSalesforce({ org, emails: [email()], crm, ledger, ...fast });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: false });
    expect(ledger.entries.size).toBe(0);
  });
});
