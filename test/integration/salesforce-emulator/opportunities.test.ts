/** Opportunity stages (IsClosed from the stage) and contact roles, queried the way opportunity matching needs. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start(seed = structuredClone(demoSeed)) {
  const ctx = await emulatorWith({ seed });
  close = () => ctx.emulator.close();
  return ctx;
}

describe('Opportunity stages', () => {
  it("takes StageName from the org's stages and derives IsClosed and IsWon from it", async () => {
    const { conn, id } = await start();
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const base = { Name: 'Deal', CloseDate: '2027-01-01', AccountId: globex };
    await expectError(
      conn.sobject('Opportunity').create({ ...base, StageName: 'Dreaming' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    await expectError(conn.sobject('Opportunity').create(base), 'REQUIRED_FIELD_MISSING');
    await expectError(
      conn.sobject('Opportunity').create({ ...base, StageName: 'Prospecting', IsClosed: true }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    const deal = await conn.sobject('Opportunity').create({ ...base, StageName: 'Prospecting' });
    const read = async () =>
      (
        await conn.query<{ IsClosed: boolean; IsWon: boolean }>(
          `SELECT IsClosed, IsWon FROM Opportunity WHERE Id = '${deal.id}'`,
        )
      ).records[0];
    expect(await read()).toMatchObject({ IsClosed: false, IsWon: false });
    await conn.sobject('Opportunity').update({ Id: deal.id!, StageName: 'Closed Lost' });
    expect(await read()).toMatchObject({ IsClosed: true, IsWon: false });
    await conn.sobject('Opportunity').update({ Id: deal.id!, StageName: 'Closed Won' });
    expect(await read()).toMatchObject({ IsClosed: true, IsWon: true });
    const stages = await conn.query<{ MasterLabel: string }>(
      'SELECT MasterLabel FROM OpportunityStage WHERE IsClosed = true',
    );
    expect(stages.records.map((s) => s.MasterLabel).sort()).toEqual(['Closed Lost', 'Closed Won']);
  });

  it("uses the seed's own stages when it names some", async () => {
    const seed = {
      ...structuredClone(demoSeed),
      OpportunityStage: [
        { MasterLabel: 'Open', ApiName: 'Open', IsClosed: false, IsWon: false, SortOrder: 1 },
        { MasterLabel: 'Signed', ApiName: 'Signed', IsClosed: true, IsWon: true, SortOrder: 2 },
      ],
    };
    const { conn } = await start(seed);
    await expectError(
      conn.sobject('Opportunity').create({ Name: 'D', CloseDate: '2027-01-01', StageName: 'Prospecting' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const deal = await conn
      .sobject('Opportunity')
      .create({ Name: 'D', CloseDate: '2027-01-01', StageName: 'Signed' });
    const row = await conn.sobject('Opportunity').retrieve(deal.id!);
    expect(row.IsClosed).toBe(true);
  });
});

describe('OpportunityContactRole', () => {
  it("finds a contact's open opportunities through the Opportunity parent path", async () => {
    const { conn, id } = await start();
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    // The demo seed: Carl on an open and a won opportunity, Jane on the won one only.
    const open = await conn.query<{
      OpportunityId: string;
      ContactId: string;
      Opportunity: { Name: string };
    }>(
      `SELECT OpportunityId, ContactId, Opportunity.Name FROM OpportunityContactRole WHERE ContactId IN ('${carl}', '${jane}') AND Opportunity.IsClosed = false`,
    );
    expect(open.records.map((r) => [r.ContactId, r.Opportunity.Name])).toEqual([
      [carl, 'Globex renewal 2027'],
    ]);
    const all = await conn.query(`SELECT Id FROM OpportunityContactRole WHERE ContactId = '${carl}'`);
    expect(all.totalSize).toBe(2);
  });

  it('keeps one primary contact per opportunity and needs an opportunity and a contact', async () => {
    const { conn, id } = await start();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const role = await conn.sobject('OpportunityContactRole').create({
      OpportunityId: renewal,
      ContactId: jane,
      Role: 'Influencer',
      IsPrimary: true,
    });
    expect(role.id).toMatch(/^00K/);
    const primaries = await conn.query<{ ContactId: string }>(
      `SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = '${renewal}' AND IsPrimary = true`,
    );
    expect(primaries.records.map((r) => r.ContactId)).toEqual([jane]);
    await expectError(
      conn.sobject('OpportunityContactRole').update({ Id: role.id!, OpportunityId: renewal }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    await expectError(
      conn.sobject('OpportunityContactRole').create({ ContactId: jane }),
      'REQUIRED_FIELD_MISSING',
    );
    await expectError(
      conn.sobject('OpportunityContactRole').create({ OpportunityId: renewal }),
      'REQUIRED_FIELD_MISSING',
    );
    await expectError(
      conn.sobject('OpportunityContactRole').create({ OpportunityId: renewal, ContactId: renewal }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });
});
