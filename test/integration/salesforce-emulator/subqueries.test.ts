/** Parent-to-child subqueries and Contact/Lead LastActivityDate, through jsforce. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start(extra: Record<string, Record<string, unknown>[]> = {}) {
  const seed = structuredClone(demoSeed) as Record<string, Record<string, unknown>[]>;
  for (const [type, rows] of Object.entries(extra)) seed[type] = [...(seed[type] ?? []), ...rows];
  const ctx = await emulatorWith({ seed });
  close = () => ctx.emulator.close();
  return ctx;
}

interface Child<T> {
  totalSize: number;
  done: boolean;
  records: T[];
}

describe('parent-to-child subqueries', () => {
  it("return each parent's children as a query result, null when it has none", async () => {
    const { conn, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const { records } = await conn.query<{
      Email: string;
      OpportunityContactRoles: Child<{ OpportunityId: string; Opportunity: { AccountId: string } }> | null;
    }>(
      'SELECT Email, (SELECT OpportunityId, Opportunity.AccountId FROM OpportunityContactRoles' +
        ' WHERE Opportunity.IsClosed = false) FROM Contact ORDER BY Email',
    );
    const byEmail = Object.fromEntries(records.map((r) => [r.Email, r.OpportunityContactRoles]));
    // Carl has an open and a closed opportunity; Jane only a closed one; Peter none.
    expect(byEmail['carl@globex.example']).toMatchObject({ totalSize: 1, done: true });
    expect(byEmail['carl@globex.example']?.records).toEqual([
      {
        attributes: expect.objectContaining({ type: 'OpportunityContactRole' }),
        OpportunityId: renewal,
        Opportunity: { attributes: expect.objectContaining({ type: 'Opportunity' }), AccountId: globex },
      },
    ]);
    expect(byEmail['jane.doe@globex.example']).toBeNull();
    expect(byEmail['peter@initech.example']).toBeNull();
  });

  it('take ORDER BY and LIMIT inside the subquery, and the outer object may prefix the relationship', async () => {
    const { conn } = await start();
    const { records } = await conn.query<{ Contacts: Child<{ Email: string }> | null }>(
      "SELECT Name, (SELECT Email FROM Account.Contacts ORDER BY Email DESC LIMIT 2) FROM Account WHERE Name = 'Globex Corporation'",
    );
    expect(records[0]?.Contacts?.totalSize).toBe(2);
    expect(records[0]?.Contacts?.records.map((c) => c.Email)).toEqual([
      "o'brien@globex.example",
      'jane.doe@globex.example',
    ]);
  });

  it('refuse an unknown relationship with INVALID_TYPE, an unknown child field with INVALID_FIELD', async () => {
    const { conn } = await start();
    const unknown = await expectError(
      conn.query('SELECT Id, (SELECT Id FROM Opportunities) FROM Contact'),
      'INVALID_TYPE',
    );
    expect(unknown.message).toContain("Didn't understand relationship 'Opportunities'");
    await expectError(conn.query('SELECT Id, (SELECT Id FROM Lead.Contacts) FROM Account'), 'INVALID_TYPE');
    await expectError(conn.query('SELECT Id, (SELECT Nope FROM Contacts) FROM Account'), 'INVALID_FIELD');
    await expectError(
      conn.query('SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account'),
      'MALFORMED_QUERY',
    );
  });

  it('allow at most 20 parent-to-child relationships in one query', async () => {
    const { conn } = await start();
    const subs = (n: number) => Array.from({ length: n }, () => '(SELECT Id FROM Contacts)').join(', ');
    await conn.query(`SELECT Id, ${subs(20)} FROM Account`);
    await expectError(conn.query(`SELECT Id, ${subs(21)} FROM Account`), 'MALFORMED_QUERY');
  });

  it('count their child rows toward the 2,000 records of a page', async () => {
    const roles = (contact: string) =>
      Array.from({ length: 1_500 }, () => ({
        OpportunityId: '@Opportunity:Initech expansion',
        ContactId: `@Contact:${contact}`,
      }));
    const { conn } = await start({
      OpportunityContactRole: [...roles('carl@globex.example'), ...roles('peter@initech.example')],
    });
    const soql = 'SELECT Email, (SELECT Id FROM OpportunityContactRoles) FROM Contact ORDER BY Email';
    const first = await conn.query<{ Email: string; OpportunityContactRoles: Child<unknown> | null }>(soql);
    // Carl (1,502 roles), Jane and Sean fit; Peter's 1,500 would pass 2,000 rows.
    expect(first.done).toBe(false);
    expect(first.totalSize).toBe(4);
    expect(first.records.map((r) => r.Email)).toEqual([
      'carl@globex.example',
      'jane.doe@globex.example',
      "o'brien@globex.example",
    ]);
    expect(first.records[0]?.OpportunityContactRoles?.totalSize).toBe(1_502);
    const rest = await conn.queryMore<{ Email: string }>(first.nextRecordsUrl!);
    expect(rest.done).toBe(true);
    expect(rest.records.map((r) => r.Email)).toEqual(['peter@initech.example']);
  });

  it('are listed in describe as childRelationships', async () => {
    const { conn } = await start();
    const contact = await conn.sobject('Contact').describe();
    expect(contact.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          childSObject: 'OpportunityContactRole',
          field: 'ContactId',
          relationshipName: 'OpportunityContactRoles',
        }),
        expect.objectContaining({ childSObject: 'Task', field: 'WhoId', relationshipName: 'Tasks' }),
      ]),
    );
    const names = async (object: string) =>
      (await conn.sobject(object).describe()).childRelationships.map((r) => r.relationshipName).sort();
    expect(await names('Account')).toEqual([
      'Cases',
      'Contacts',
      'Events',
      'Opportunities',
      'Orders',
      'Tasks',
    ]);
    expect(await names('Contact')).toEqual(['Cases', 'Events', 'OpportunityContactRoles', 'Tasks']);
    expect(await names('Opportunity')).toEqual(['Events', 'OpportunityContactRoles', 'Tasks']);
    expect(await names('Lead')).toEqual(['Events', 'Tasks']);
  });

  it('keep to one level, without OFFSET, and give one parent’s child rows in a single result however many', async () => {
    const roles = Array.from({ length: 2_100 }, () => ({
      OpportunityId: '@Opportunity:Initech expansion',
      ContactId: '@Contact:peter@initech.example',
    }));
    const { conn } = await start({ OpportunityContactRole: roles });
    await expectError(
      conn.query('SELECT Id, (SELECT Id FROM Contacts OFFSET 1) FROM Account'),
      'MALFORMED_QUERY',
    );
    await expectError(
      conn.query('SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account'),
      'MALFORMED_QUERY',
    );
    const { records, done } = await conn.query<{ OpportunityContactRoles: Child<unknown> | null }>(
      "SELECT Id, (SELECT Id FROM OpportunityContactRoles) FROM Contact WHERE Email = 'peter@initech.example'",
    );
    expect(done).toBe(true);
    expect(records[0]?.OpportunityContactRoles).toMatchObject({ totalSize: 2_100, done: true });
    expect(records[0]?.OpportunityContactRoles?.records).toHaveLength(2_100);
  });
});

describe('LastActivityDate', () => {
  it('is the latest due date of the person’s events and closed tasks, and read-only', async () => {
    const { conn, id } = await start({
      Task: [
        {
          Subject: 'Call',
          Status: 'Completed',
          ActivityDate: '2026-03-01',
          WhoId: '@Contact:peter@initech.example',
        },
        {
          Subject: 'Later, open',
          Status: 'Not Started',
          ActivityDate: '2026-09-01',
          WhoId: '@Contact:peter@initech.example',
        },
        {
          Subject: 'Lead call',
          Status: 'Completed',
          ActivityDate: '2026-02-01',
          WhoId: '@Lead:lena.lead@initech.example',
        },
      ],
    });
    const peter = await id("SELECT Id FROM Contact WHERE Email = 'peter@initech.example'");
    const dateOf = async (soql: string) =>
      (await conn.query<{ LastActivityDate: string | null }>(soql)).records[0]?.LastActivityDate;
    expect(await dateOf(`SELECT LastActivityDate FROM Contact WHERE Id = '${peter}'`)).toBe('2026-03-01');
    expect(await dateOf("SELECT LastActivityDate FROM Lead WHERE Email = 'lena.lead@initech.example'")).toBe(
      '2026-02-01',
    );
    expect(
      await dateOf("SELECT LastActivityDate FROM Contact WHERE Email = 'carl@globex.example'"),
    ).toBeNull();
    // An event, even one without a closed status, counts.
    await conn.sobject('Event').create({
      Subject: 'Visit',
      StartDateTime: '2026-05-04T09:00:00.000Z',
      EndDateTime: '2026-05-04T10:00:00.000Z',
      WhoId: peter,
    });
    expect(await dateOf(`SELECT LastActivityDate FROM Contact WHERE Id = '${peter}'`)).toBe('2026-05-04');
    expect(
      await dateOf(
        'SELECT LastActivityDate FROM Contact WHERE LastActivityDate > 2026-04-01 ORDER BY LastActivityDate DESC',
      ),
    ).toBe('2026-05-04');
    // A person related through TaskRelation, not the WhoId, counts too.
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const call = await conn.sobject('Task').create({
      Subject: 'Group call',
      Status: 'Completed',
      ActivityDate: '2026-06-01',
      WhoId: peter,
    });
    await conn.sobject('TaskRelation').create({ TaskId: call.id!, RelationId: carl });
    expect(await dateOf(`SELECT LastActivityDate FROM Contact WHERE Id = '${carl}'`)).toBe('2026-06-01');
    await conn.sobject('Task').destroy(call.id!);
    const row = (await conn.sobject('Contact').retrieve(peter)) as { LastActivityDate?: string };
    expect(row.LastActivityDate).toBe('2026-05-04');
    await expectError(
      conn.sobject('Contact').update({ Id: peter, LastActivityDate: '2027-01-01' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
  });
});
