/** sObject Collections: 200 records, allOrNone, duplicate external ids in one request. */
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

type Results = { id: string | null; success: boolean; errors: { statusCode: string }[] }[];
const accounts = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Account' }, Name: `${prefix} ${i}` }));

describe('sObject Collections', () => {
  it('takes 200 records and refuses 201 as a whole with EXCEEDED_ID_LIMIT', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const ok = await post<Results>(conn, `${V}/composite/sobjects`, { records: accounts(200, 'Bulk') });
    expect(ok.filter((r) => r.success)).toHaveLength(200);
    await expectError(
      post(conn, `${V}/composite/sobjects`, { records: accounts(201, 'Over') }),
      'EXCEEDED_ID_LIMIT',
    );
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Over%'")).totalSize).toBe(0);
    const ids = ok.map((r) => r.id).join(',');
    await expectError(
      conn.request({ method: 'DELETE', url: `${V}/composite/sobjects?ids=${ids},${ok[0]!.id}` }),
      'EXCEEDED_ID_LIMIT',
    );
  });

  it('rolls every record back under allOrNone once one fails, and keeps the good ones without it', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const records = [...accounts(2, 'Atomic'), { attributes: { type: 'Account' } }];
    const atomic = await post<Results>(conn, `${V}/composite/sobjects`, { allOrNone: true, records });
    expect(atomic.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ]);
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Atomic%'")).totalSize).toBe(0);
    const partial = await post<Results>(conn, `${V}/composite/sobjects`, { allOrNone: false, records });
    expect(partial.map((r) => r.success)).toEqual([true, true, false]);
  });

  it('fails records that repeat an external id within one upsert request (DUPLICATE_VALUE)', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Activity.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true },
    });
    const results = await conn.request<Results>({
      method: 'PATCH',
      url: `${V}/composite/sobjects/Task/Capture_Id__c`,
      body: JSON.stringify({
        records: [
          { attributes: { type: 'Task' }, Capture_Id__c: 'same', Subject: 'a' },
          { attributes: { type: 'Task' }, Capture_Id__c: 'SAME', Subject: 'b' },
          { attributes: { type: 'Task' }, Capture_Id__c: 'other', Subject: 'c' },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(results.map((r) => r.errors[0]?.statusCode ?? 'ok')).toEqual([
      'DUPLICATE_VALUE',
      'DUPLICATE_VALUE',
      'ok',
    ]);
    expect(emulator.records('Task').map((t) => t.Subject)).toEqual(['c']);
  });
});
