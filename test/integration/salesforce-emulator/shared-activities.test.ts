/** Shared Activities on and off: TaskRelation, the WhoId's own relation, 50 contacts or one lead. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

type Results = { id: string | null; success: boolean; errors: { statusCode: string }[] }[];

describe('Shared Activities on (the default)', () => {
  it("relates the WhoId and WhatId automatically and refuses the WhoId's relation again", async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const task = await conn.sobject('Task').create({ Subject: 's', WhoId: jane, WhatId: order });
    const relations = await conn.query<{ RelationId: string; IsWhat: boolean }>(
      `SELECT RelationId, IsWhat FROM TaskRelation WHERE TaskId = '${task.id}' ORDER BY IsWhat`,
    );
    expect(relations.records.map((r) => [r.RelationId, r.IsWhat])).toEqual([
      [jane, false],
      [order, true],
    ]);
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: jane }),
      'DUPLICATE_VALUE',
    );
    expect((await conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: carl })).success).toBe(
      true,
    );
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: carl }),
      'DUPLICATE_VALUE',
    );
    // A new WhoId replaces the old one's relation; deleting the task deletes its relations.
    await conn.sobject('Task').update({ Id: task.id!, WhoId: carl });
    const after = await conn.query<{ RelationId: string }>(
      `SELECT RelationId FROM TaskRelation WHERE TaskId = '${task.id}' AND IsWhat = false`,
    );
    expect(after.records.map((r) => r.RelationId)).toEqual([carl]);
    await conn.sobject('Task').destroy(task.id!);
    expect((await conn.query(`SELECT Id FROM TaskRelation WHERE TaskId = '${task.id}'`)).totalSize).toBe(0);
  });

  it('relates at most 50 contacts to one task, the WhoId among them, and never a lead beside them', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const created = await post<Results>(conn, `${V}/composite/sobjects`, {
      records: Array.from({ length: 51 }, (_, i) => ({
        attributes: { type: 'Contact' },
        LastName: `Wide ${i}`,
      })),
    });
    const contacts = created.map((r) => r.id!);
    const task = await conn.sobject('Task').create({ Subject: 'wide', WhoId: contacts[0] });
    const relate = (ids: string[]) =>
      post<Results>(conn, `${V}/composite/sobjects`, {
        records: ids.map((r) => ({ attributes: { type: 'TaskRelation' }, TaskId: task.id, RelationId: r })),
      });
    const results = await relate(contacts.slice(1));
    expect(results.slice(0, 49).every((r) => r.success)).toBe(true);
    expect(results[49]).toMatchObject({ success: false, errors: [{ statusCode: 'LIMIT_EXCEEDED' }] });
    const count = await conn.query(`SELECT COUNT() FROM TaskRelation WHERE TaskId = '${task.id}'`);
    expect(count.totalSize).toBe(50);
    const lead = await id('SELECT Id FROM Lead');
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: lead }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    // Making the lead the WhoId of a task with contacts fails as a whole.
    await expectError(
      conn.sobject('Task').update({ Id: task.id!, WhoId: lead }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    expect((await conn.sobject('Task').retrieve(task.id!)).WhoId).toBe(contacts[0]);
    const kept = await conn.query(`SELECT COUNT() FROM TaskRelation WHERE TaskId = '${task.id}'`);
    expect(kept.totalSize).toBe(50);
    const leadTask = await conn.sobject('Task').create({ Subject: 'lead', WhoId: lead });
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: leadTask.id!, RelationId: contacts[0]! }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
  });

  it('refuses a second record and a user as relations of a task, and takes the one record its WhatId names', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const account = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const alice = await id("SELECT Id FROM User WHERE Username = 'alice@acme.example'");
    const task = await conn.sobject('Task').create({ Subject: 's', WhoId: jane, WhatId: order });
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: account }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: alice }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    // A new WhatId replaces the task's one record relation.
    await conn.sobject('Task').update({ Id: task.id!, WhatId: account });
    const whats = await conn.query<{ RelationId: string }>(
      `SELECT RelationId FROM TaskRelation WHERE TaskId = '${task.id}' AND IsWhat = true`,
    );
    expect(whats.records.map((r) => r.RelationId)).toEqual([account]);
  });
});

describe('Shared Activities off (seed setting)', () => {
  it('has no TaskRelation: inserts and queries are refused, the Task keeps its one WhoId', async () => {
    const seed = { ...structuredClone(demoSeed), Organization: [{ SharedActivitiesEnabled: false }] };
    const { emulator, conn, id } = await emulatorWith({ seed });
    close = () => emulator.close();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const carl = await id("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'");
    const task = await conn.sobject('Task').create({ Subject: 's', WhoId: jane });
    await expectError(
      conn.sobject('TaskRelation').create({ TaskId: task.id!, RelationId: carl }),
      'NOT_FOUND',
    );
    const viaCollection = await post<Results>(conn, `${V}/composite/sobjects`, {
      records: [{ attributes: { type: 'TaskRelation' }, TaskId: task.id, RelationId: carl }],
    });
    expect(viaCollection[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_TYPE' }] });
    await expectError(conn.query('SELECT Id FROM TaskRelation'), 'INVALID_TYPE');
    expect((await conn.sobject('Task').retrieve(task.id!)).WhoId).toBe(jane);
  });
});
