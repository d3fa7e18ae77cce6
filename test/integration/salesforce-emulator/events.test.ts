/** Events and EventRelation as a real org keeps them: times, all-day events, owners, invitees, Shared Activities. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

type EventRow = {
  Id: string;
  StartDateTime: string;
  EndDateTime: string;
  DurationInMinutes: number;
  ActivityDate: string;
  ActivityDateTime: string;
  EndDate: string;
  IsAllDayEvent: boolean;
  OwnerId: string;
  ShowAs: string;
  EventSubtype: string;
};
type Results = { id: string | null; success: boolean; errors: { statusCode: string }[] }[];

async function start(seed = structuredClone(demoSeed)) {
  const ctx = await emulatorWith({ seed });
  close = () => ctx.emulator.close();
  const event = async (id: string) => (await ctx.conn.sobject('Event').retrieve(id)) as unknown as EventRow;
  return { ...ctx, event };
}

describe('Event times', () => {
  it('keeps start, end, duration and the due date fields consistent, owned by the running user', async () => {
    const { conn, id, event } = await start();
    const created = await conn.sobject('Event').create({
      Subject: 'Kick-off',
      Location: 'Room 1',
      StartDateTime: '2026-12-01T09:30:00+01:00',
      EndDateTime: '2026-12-01T10:15:00Z',
    });
    expect(created.id).toMatch(/^00U/);
    const row = await event(created.id!);
    expect(row).toMatchObject({
      StartDateTime: '2026-12-01T08:30:00.000+0000',
      ActivityDateTime: '2026-12-01T08:30:00.000+0000',
      ActivityDate: '2026-12-01',
      EndDateTime: '2026-12-01T10:15:00.000+0000',
      EndDate: '2026-12-01',
      DurationInMinutes: 105,
      IsAllDayEvent: false,
      ShowAs: 'Busy',
      EventSubtype: 'Event',
    });
    // OwnerId defaults to the session's user (the first active User for client credentials).
    expect(row.OwnerId).toBe(await id("SELECT Id FROM User WHERE Username = 'ops@acme.example'"));
    // A duration alone gives the end; moving the start keeps the duration.
    const byDuration = await conn.sobject('Event').create({
      StartDateTime: '2026-12-02T09:00:00Z',
      DurationInMinutes: 30,
    });
    expect((await event(byDuration.id!)).EndDateTime).toBe('2026-12-02T09:30:00.000+0000');
    await conn.sobject('Event').update({ Id: byDuration.id!, StartDateTime: '2026-12-03T09:00:00Z' });
    expect(await event(byDuration.id!)).toMatchObject({
      EndDateTime: '2026-12-03T09:30:00.000+0000',
      ActivityDate: '2026-12-03',
      DurationInMinutes: 30,
    });
    // StartDateTime and ActivityDateTime are one value: both may be given only when they agree.
    await expectError(
      conn.sobject('Event').create({
        StartDateTime: '2026-12-04T09:00:00Z',
        ActivityDateTime: '2026-12-04T09:30:00Z',
        DurationInMinutes: 30,
      }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const agreeing = await conn.sobject('Event').create({
      StartDateTime: '2026-12-04T09:00:00Z',
      ActivityDateTime: '2026-12-04T10:00:00+01:00',
      DurationInMinutes: 30,
    });
    expect((await event(agreeing.id!)).ActivityDateTime).toBe('2026-12-04T09:00:00.000+0000');
    const found = await conn.query<{ Subject: string; Location: string }>(
      "SELECT Subject, Location FROM Event WHERE StartDateTime >= 2026-12-01T00:00:00Z AND Subject = 'Kick-off'",
    );
    expect(found.records.map((r) => [r.Subject, r.Location])).toEqual([['Kick-off', 'Room 1']]);
  });

  it('refuses an end before the start, more than 14 days, disagreeing end and duration, and no end at all', async () => {
    const { conn } = await start();
    const create = (v: Record<string, unknown>) => conn.sobject('Event').create({ Subject: 's', ...v });
    await expectError(
      create({ StartDateTime: '2026-12-01T10:00:00Z', EndDateTime: '2026-12-01T09:59:00Z' }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    expect((await create({ StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 20160 })).success).toBe(
      true,
    );
    await expectError(
      create({ StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 20161 }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      create({ StartDateTime: '2026-12-01T10:00:00Z', EndDateTime: '2026-12-15T10:01:00Z' }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      create({
        StartDateTime: '2026-12-01T10:00:00Z',
        EndDateTime: '2026-12-01T11:00:00Z',
        DurationInMinutes: 30,
      }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(create({ StartDateTime: '2026-12-01T10:00:00Z' }), 'REQUIRED_FIELD_MISSING');
    await expectError(create({ DurationInMinutes: 30 }), 'REQUIRED_FIELD_MISSING');
    await expectError(create({ StartDateTime: 'next tuesday', DurationInMinutes: 30 }), 'JSON_PARSER_ERROR');
    await expectError(
      create({ StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 30, Subject: 'x'.repeat(256) }),
      'STRING_TOO_LONG',
    );
    await expectError(
      create({ StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 30, Location: 'x'.repeat(256) }),
      'STRING_TOO_LONG',
    );
    await expectError(
      create({
        StartDateTime: '2026-12-01T10:00:00Z',
        DurationInMinutes: 30,
        Description: 'x'.repeat(32001),
      }),
      'STRING_TOO_LONG',
    );
  });

  it('runs all-day events from midnight UTC over whole days, needing their date', async () => {
    const { conn, event } = await start();
    await expectError(
      conn.sobject('Event').create({ Subject: 'off', IsAllDayEvent: true }),
      'REQUIRED_FIELD_MISSING',
    );
    const oneDay = await conn.sobject('Event').create({
      Subject: 'off',
      IsAllDayEvent: true,
      ActivityDate: '2026-12-24',
    });
    expect(await event(oneDay.id!)).toMatchObject({
      StartDateTime: '2026-12-24T00:00:00.000+0000',
      EndDateTime: '2026-12-24T00:00:00.000+0000',
      EndDate: '2026-12-24',
      DurationInMinutes: 1440,
    });
    const threeDays = await conn.sobject('Event').create({
      Subject: 'fair',
      IsAllDayEvent: true,
      StartDateTime: '2026-12-01T15:00:00Z',
      EndDateTime: '2026-12-03T09:00:00Z',
    });
    expect(await event(threeDays.id!)).toMatchObject({
      ActivityDate: '2026-12-01',
      StartDateTime: '2026-12-01T00:00:00.000+0000',
      EndDate: '2026-12-03',
      DurationInMinutes: 4320,
    });
    await expectError(
      conn.sobject('Event').create({
        IsAllDayEvent: true,
        ActivityDate: '2026-12-01',
        StartDateTime: '2026-12-02T00:00:00Z',
      }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      conn.sobject('Event').create({
        IsAllDayEvent: true,
        ActivityDate: '2026-12-01',
        EndDateTime: '2026-12-15T00:00:00Z',
      }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });

  it('takes ShowAs Busy (the default), OutOfOffice or Free only', async () => {
    const { conn, event } = await start();
    const times = { StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 30 };
    for (const showAs of ['OutOfOffice', 'Free']) {
      const created = await conn.sobject('Event').create({ ...times, ShowAs: showAs });
      expect((await event(created.id!)).ShowAs).toBe(showAs);
    }
    await expectError(
      conn.sobject('Event').create({ ...times, ShowAs: 'Tentative' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
  });
});

describe('Event owners and people', () => {
  it('refuses a Lead as WhoId with a WhatId, and an inactive owner', async () => {
    const { conn, id } = await start();
    const lena = await id("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const former = await id("SELECT Id FROM User WHERE Username = 'former@acme.example'");
    const times = { StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 30 };
    await expectError(
      conn.sobject('Event').create({ ...times, WhoId: lena, WhatId: order }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(conn.sobject('Event').create({ ...times, OwnerId: former }), 'INACTIVE_OWNER_OR_USER');
  });

  it('relates WhoId and WhatId as the event’s own, invites users and contacts, within the limits', async () => {
    const { conn, id } = await start();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const lena = await id("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'");
    const alice = await id("SELECT Id FROM User WHERE Username = 'alice@acme.example'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const ev = await conn.sobject('Event').create({
      Subject: 'Review',
      StartDateTime: '2026-12-01T10:00:00Z',
      DurationInMinutes: 60,
      WhoId: jane,
      WhatId: order,
    });
    const relate = (v: Record<string, unknown>) =>
      conn.sobject('EventRelation').create({ EventId: ev.id!, ...v });
    expect((await relate({ RelationId: alice })).id).toMatch(/^0RE/);
    expect((await relate({ RelationId: carl, IsParent: true, IsInvitee: true })).success).toBe(true);
    await expectError(relate({ RelationId: jane }), 'DUPLICATE_VALUE');
    await expectError(relate({ RelationId: alice }), 'DUPLICATE_VALUE');
    await expectError(relate({ RelationId: lena, IsParent: true }), 'FIELD_INTEGRITY_EXCEPTION');
    await expectError(
      relate({ RelationId: carl, Status: 'Maybe' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const rows = await conn.query<{
      RelationId: string;
      IsInvitee: boolean;
      IsParent: boolean;
      IsWhat: boolean;
      Status: string;
    }>(
      `SELECT RelationId, IsInvitee, IsParent, IsWhat, Status FROM EventRelation WHERE EventId = '${ev.id}'`,
    );
    const byId = new Map(rows.records.map((r) => [r.RelationId, [r.IsInvitee, r.IsParent, r.IsWhat]]));
    expect(Object.fromEntries(byId)).toEqual({
      [jane]: [false, true, false],
      [order]: [false, false, true],
      [alice]: [true, false, false],
      [carl]: [true, true, false],
    });
    expect(rows.records.every((r) => r.Status === 'New')).toBe(true);
    // The WhoId becomes an invitee on its own row.
    const janeRow = await conn.query<{ Id: string }>(
      `SELECT Id FROM EventRelation WHERE EventId = '${ev.id}' AND RelationId = '${jane}'`,
    );
    await conn.sobject('EventRelation').update({ Id: janeRow.records[0]!.Id, IsInvitee: true });
    const janeAfter = await conn.sobject('EventRelation').retrieve(janeRow.records[0]!.Id);
    expect([janeAfter.IsInvitee, janeAfter.IsParent]).toEqual([true, true]);
    const invitees = await conn.query(
      `SELECT Id FROM EventRelation WHERE EventId = '${ev.id}' AND IsInvitee = true AND Relation.Name = 'Alice Rep'`,
    );
    expect(invitees.totalSize).toBe(1);
  });

  it('relates at most 50 contacts, while invitees do not count', async () => {
    const { conn, id } = await start();
    const created = await post<Results>(conn, `${V}/composite/sobjects`, {
      records: Array.from({ length: 52 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `P${i}` })),
    });
    const contacts = created.map((r) => r.id!);
    const ev = await conn.sobject('Event').create({
      StartDateTime: '2026-12-01T10:00:00Z',
      DurationInMinutes: 60,
      WhoId: contacts[0],
    });
    const relations = await post<Results>(conn, `${V}/composite/sobjects`, {
      records: contacts.slice(1, 50).map((c) => ({
        attributes: { type: 'EventRelation' },
        EventId: ev.id,
        RelationId: c,
        IsParent: true,
      })),
    });
    expect(relations.every((r) => r.success)).toBe(true);
    await expectError(
      conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: contacts[50], IsParent: true }),
      'LIMIT_EXCEEDED',
    );
    const invitee = await conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: contacts[51] });
    expect(invitee.success).toBe(true);
    // A lead may be invited beside the 50 contacts: only the event's own people exclude each other.
    const lena = await id("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'");
    expect((await conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: lena })).success).toBe(
      true,
    );
    await expectError(
      conn.sobject('EventRelation').update({ Id: invitee.id!, IsParent: true }),
      'LIMIT_EXCEEDED',
    );
    const alice = await id("SELECT Id FROM User WHERE Username = 'alice@acme.example'");
    await expectError(
      conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: alice, IsParent: true }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });

  it('takes up to 1,000 invitees on one event', async () => {
    const { conn } = await start();
    const ev = await conn
      .sobject('Event')
      .create({ StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 60 });
    const contacts: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const created = await post<Results>(conn, `${V}/composite/sobjects`, {
        records: Array.from({ length: 200 }, (_, i) => ({
          attributes: { type: 'Contact' },
          LastName: `Guest ${batch * 200 + i}`,
        })),
      });
      contacts.push(...created.map((r) => r.id!));
    }
    for (let batch = 0; batch < 5; batch++) {
      const invited = await post<Results>(conn, `${V}/composite/sobjects`, {
        records: contacts.slice(batch * 200, batch * 200 + 200).map((c) => ({
          attributes: { type: 'EventRelation' },
          EventId: ev.id,
          RelationId: c,
        })),
      });
      expect(invited.every((r) => r.success)).toBe(true);
    }
    await expectError(
      conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: contacts[1000] }),
      'LIMIT_EXCEEDED',
    );
    const count = await conn.query(
      `SELECT COUNT() FROM EventRelation WHERE EventId = '${ev.id}' AND IsInvitee = true`,
    );
    expect(count.totalSize).toBe(1000);
  });

  it('without Shared Activities keeps invitees only, has no IsParent, IsWhat or IsInvitee, and deleting the event deletes them into the recycle bin', async () => {
    const seed = { ...structuredClone(demoSeed), Organization: [{ SharedActivitiesEnabled: false }] };
    const { conn, id } = await start(seed);
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const ev = await conn.sobject('Event').create({
      StartDateTime: '2026-12-01T10:00:00Z',
      DurationInMinutes: 60,
      WhoId: jane,
    });
    expect((await conn.query(`SELECT Id FROM EventRelation WHERE EventId = '${ev.id}'`)).totalSize).toBe(0);
    // Those fields exist only with Shared Activities: sending them at all, even false, is refused.
    for (const flags of [{ IsParent: true }, { IsParent: false }, { IsInvitee: true }, { IsWhat: false }])
      await expectError(
        conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: carl, ...flags }),
        'INVALID_FIELD',
      );
    await expectError(conn.query('SELECT Id, IsParent FROM EventRelation'), 'INVALID_FIELD');
    const described = (await conn.sobject('EventRelation').describe()).fields.map((f) => f.name);
    expect(described).not.toContain('IsInvitee');
    expect(described).not.toContain('IsParent');
    expect((await conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: carl })).success).toBe(
      true,
    );
    const account = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    await expectError(
      conn.sobject('EventRelation').create({ EventId: ev.id!, RelationId: account }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await conn.sobject('Event').destroy(ev.id!);
    expect((await conn.query(`SELECT Id FROM EventRelation WHERE EventId = '${ev.id}'`)).totalSize).toBe(0);
    const bin = await conn.query<{ IsDeleted: boolean }>(
      `SELECT IsDeleted FROM Event WHERE Id = '${ev.id}'`,
      {
        scanAll: true,
      },
    );
    expect(bin.records.map((r) => r.IsDeleted)).toEqual([true]);
    expect((await conn.query(`SELECT Id FROM Event WHERE Id = '${ev.id}'`)).totalSize).toBe(0);
  });
});

describe('Activity custom fields on Event', () => {
  it('gets Capture_Id__c (external id) and a Capture_Sequence__c number field from the Tooling API', async () => {
    const { conn } = await start();
    const field = (FullName: string, Metadata: Record<string, unknown>) =>
      post<{ success: boolean }>(conn, `${V}/tooling/sobjects/CustomField`, { FullName, Metadata });
    await field('Activity.Capture_Id__c', { type: 'Text', length: 255, externalId: true });
    await field('Activity.Capture_Sequence__c', {
      label: 'Capture Sequence',
      type: 'Number',
      precision: 9,
      scale: 0,
    });
    const times = { StartDateTime: '2026-12-01T10:00:00Z', DurationInMinutes: 60 };
    const first = await conn
      .sobject('Event')
      .upsert(
        { Capture_Id__c: 'uid-1@example', Capture_Sequence__c: 0, Subject: 'v0', ...times },
        'Capture_Id__c',
      );
    expect(first).toMatchObject({ success: true, created: true });
    const again = await conn
      .sobject('Event')
      .upsert({ Capture_Id__c: 'uid-1@example', Capture_Sequence__c: '2', Subject: 'v2' }, 'Capture_Id__c');
    expect(again).toMatchObject({ success: true, created: false });
    const rows = await conn.query<{ Subject: string; Capture_Sequence__c: number }>(
      "SELECT Subject, Capture_Sequence__c FROM Event WHERE Capture_Id__c = 'uid-1@example' AND Capture_Sequence__c < 3",
    );
    expect(rows.records.map((r) => [r.Subject, r.Capture_Sequence__c])).toEqual([['v2', 2]]);
    await expectError(
      conn.sobject('Event').create({ ...times, Capture_Sequence__c: 'two' }),
      'JSON_PARSER_ERROR',
    );
    await expectError(
      conn.sobject('Event').create({ ...times, Capture_Sequence__c: 1e9 }),
      'NUMBER_OUTSIDE_VALID_RANGE',
    );
    const described = (await conn.sobject('Event').describe()).fields.find(
      (f) => f.name === 'Capture_Sequence__c',
    );
    expect(described).toMatchObject({ type: 'double', precision: 9, scale: 0, custom: true });
    expect((await conn.sobject('Task').describe()).fields.some((f) => f.name === 'Capture_Sequence__c')).toBe(
      true,
    );
  });
});
