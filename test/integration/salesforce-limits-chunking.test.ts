/**
 * One chunker for every per-call limit (shared/adapters/salesforce/limits.ts), through the adapter
 * against the strict emulator (which refuses more than 200 records a Collection with
 * EXCEEDED_ID_LIMIT, and composites over 25 subrequests or 5 queries and Collections): at 199, 200,
 * 201 and 1,000 records of each kind every record is written and answered on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import type { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { collectionChunks, compositeGroups } from '#shared/adapters/salesforce/limits.ts';
import type { TaskDraft, WriteResult } from '#shared/domain/sync/crm-records.ts';
import { crmFor, setUp, startEmulator } from '../support/salesforce.ts';

const SIZES = [199, 200, 201, 1000];
const PEOPLE = 1000;

let emulator: SalesforceEmulator;
let crm: SalesforceCrm;
let contacts: string[];
let ops: string;
let run = 0;

beforeAll(async () => {
  emulator = await startEmulator({
    Contact: Array.from({ length: PEOPLE }, (_, i) => ({
      LastName: `Limit ${i}`,
      Email: `limit${i}@globex.example`,
      AccountId: '@Account:Globex Corporation',
    })),
  });
  crm = crmFor(emulator.url);
  await setUp(crm);
  contacts = emulator
    .records('Contact')
    .filter((c) => String(c.Email).startsWith('limit'))
    .map((c) => String(c.Id));
  ops = String(emulator.records('User').find((u) => u.Email === 'ops@acme.example')?.Id);
}, 120_000);

afterAll(async () => {
  await emulator?.close();
});

const allWritten = (results: WriteResult[], n: number) => {
  expect(results).toHaveLength(n);
  expect(results.filter((r) => !r.ok)).toEqual([]);
};

function tasks(n: number): TaskDraft[] {
  run++;
  return Array.from({ length: n }, (_, i) => ({
    Subject: `Email: limit ${run}/${i}`,
    Description: '',
    Status: 'Completed',
    TaskSubtype: 'Email',
    ActivityDate: '2026-11-20',
    OwnerId: ops,
    WhoId: null,
    WhatId: null,
    Capture_Id__c: `limit-${run}-${i}`,
    Capture_Source__c: null,
    Order_Numbers__c: null,
  }));
}

async function newTasks(n: number): Promise<string[]> {
  const written = await crm.upsertTasks(tasks(n));
  return written.flatMap((r) => (r.ok ? [r.id] : []));
}

describe('the chunker', () => {
  it.each(SIZES)('cuts %i records into Collections of at most 200', (n) => {
    const chunks = collectionChunks(Array.from({ length: n }, (_, i) => i));
    expect(chunks.every((c) => c.length <= 200)).toBe(true);
    expect(chunks.flat()).toHaveLength(n);
    expect(chunks).toHaveLength(Math.ceil(n / 200));
  });

  it.each([24, 25, 26, 1000])(
    'puts %i subrequests in composites of 25, at most 5 of them Collections',
    (n) => {
      const groups = compositeGroups(
        Array.from({ length: n }, (_, i) => i),
        (i) => i % 2 === 0,
      );
      expect(groups.flat()).toHaveLength(n);
      for (const g of groups) {
        expect(g.length).toBeLessThanOrEqual(25);
        expect(g.filter((i) => i % 2 === 0).length).toBeLessThanOrEqual(5);
      }
    },
  );
});

describe('every kind of record, past Salesforce’s per-call limits', () => {
  it.each(SIZES)('Tasks: %i in one upsert', async (n) => {
    allWritten(await crm.upsertTasks(tasks(n)), n);
  });

  it.each(SIZES)('Leads: %i in one call', async (n) => {
    run++;
    const leads = Array.from({ length: n }, (_, i) => ({
      FirstName: null,
      LastName: `Lead ${run}/${i}`,
      Company: 'Initech',
      Email: `lead${run}.${i}@initech.example`,
      LeadSource: 'Email',
    }));
    allWritten(await crm.createLeads(leads), n);
  });

  it.each(SIZES)('TaskRelations: %i in one attach', async (n) => {
    // 49 contacts beside the WhoId per Task at most: as many Tasks as that takes.
    const taskIds = await newTasks(Math.ceil(n / 49));
    const relations = Array.from({ length: n }, (_, i) => ({
      taskId: taskIds[Math.floor(i / 49)] ?? '',
      relationId: contacts[(i % 49) + 49 * (Math.floor(i / 49) % 20)] ?? '',
    }));
    const out = await crm.attach(relations, []);
    allWritten(out.relations, n);
  });

  it.each(SIZES)('Files (ContentVersion): %i in one attach', async (n) => {
    const [taskId = ''] = await newTasks(1);
    const files = Array.from({ length: n }, (_, i) => ({
      taskId,
      title: `f${i}`,
      pathOnClient: `f${i}.txt`,
      content: Buffer.from(`file ${i}`),
    }));
    const out = await crm.attach([], files);
    allWritten(out.files, n);
  });

  it.each(SIZES)('Events and EventRelations: %i invitees of one Event, and as many Events', async (n) => {
    run++;
    const write = (captureId: string, invitees: number) => ({
      captureId,
      eventId: null,
      fields: {
        Subject: 'Limits',
        StartDateTime: '2026-12-01T09:00:00.000Z',
        EndDateTime: '2026-12-01T10:00:00.000Z',
        IsAllDayEvent: false,
        ActivityDate: null,
        ShowAs: 'Busy',
        OwnerId: ops,
        Capture_Id__c: captureId,
        Capture_Sequence__c: 0,
      },
      relations: contacts
        .slice(0, invitees)
        .map((id) => ({ RelationId: id, IsParent: false, IsInvitee: true, Status: 'New' as const })),
    });
    const many = await crm.writeEvents([write(`limit-event-${run}`, Math.min(n, 1000))], []);
    allWritten(many.upserts, 1);
    expect(many.relationFailures).toEqual([null]);
    const invited = emulator
      .records('EventRelation')
      .filter((r) => r.EventId === (many.upserts[0] as { id: string }).id);
    expect(invited).toHaveLength(Math.min(n, 1000));
    const events = await crm.writeEvents(
      Array.from({ length: n }, (_, i) => write(`limit-events-${run}-${i}`, 0)),
      [],
    );
    allWritten(events.upserts, n);
  });

  it.each(SIZES)('EmailMessageRelations: %i in one Enhanced Email write', async (n) => {
    run++;
    // 200 addresses per message, as the mapping bounds them.
    const messages = Array.from({ length: Math.ceil(n / 200) }, (_, m) => {
      const captureId = `limit-message-${run}-${m}`;
      const count = Math.min(200, n - m * 200);
      return {
        captureId,
        source: null,
        message: {
          Capture_Id__c: captureId,
          FromAddress: 'alice@acme.example',
          ToAddress: 'limit0@globex.example',
          Subject: 'Limits',
          TextBody: 'Limits',
          Incoming: false,
          Status: '3',
          MessageDate: '2026-11-20T08:00:00.000Z',
        },
        task: { Subject: 'Email: Limits', OwnerId: ops, Capture_Id__c: captureId, Capture_Source__c: null },
        relations: Array.from({ length: count }, (_, i) => ({
          RelationId: null,
          RelationAddress: `rel${m}.${i}@globex.example`,
          RelationType: 'ToAddress' as const,
        })),
      };
    });
    const out = await crm.logEmails(messages);
    allWritten(out, messages.length);
    const ids = new Set(
      emulator
        .records('EmailMessage')
        .filter((r) => String(r.Capture_Id__c).startsWith(`limit-message-${run}-`))
        .map((r) => r.Id),
    );
    expect(emulator.records('EmailMessageRelation').filter((r) => ids.has(r.EmailMessageId))).toHaveLength(n);
  });
});
