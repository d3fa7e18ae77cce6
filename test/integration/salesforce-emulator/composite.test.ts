/** Composite limits: 25 subrequests, at most 5 of them queries or sObject Collections. */
import { afterEach, describe, expect, it } from 'vitest';
import { type CompositeResponse, emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

const query = (i: number) => ({
  method: 'GET',
  url: `${V}/query?q=SELECT+Id+FROM+Contact+LIMIT+${i + 1}`,
  referenceId: `q${i}`,
});
const collection = (i: number, name: string) => ({
  method: 'POST',
  url: `${V}/composite/sobjects`,
  referenceId: `c${i}`,
  body: { records: [{ attributes: { type: 'Account' }, Name: name }] },
});

describe('composite limits', () => {
  it('runs 25 subrequests of which 5 are queries or Collections', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const reads = Array.from({ length: 22 }, (_, i) => ({
      method: 'GET',
      url: `${V}/limits`,
      referenceId: `l${i}`,
    }));
    const ok = await post<CompositeResponse>(conn, `${V}/composite`, {
      compositeRequest: [query(0), query(1), query(2), query(3), collection(4, 'Fifth'), ...reads].slice(
        0,
        25,
      ),
    });
    expect(ok.compositeResponse).toHaveLength(25);
    expect(ok.compositeResponse.every((r) => r.httpStatusCode === 200)).toBe(true);
  });

  it('refuses a composite with 6 queries or Collections as a whole, before running any of it', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const before = emulator.apiRequestCount();
    const refused = await post<CompositeResponse>(conn, `${V}/composite`, {
      compositeRequest: [
        query(0),
        query(1),
        query(2),
        query(3),
        collection(4, 'Never A'),
        collection(5, 'Never B'),
      ],
    });
    expect(refused.compositeResponse).toEqual([
      {
        body: [
          { errorCode: 'LIMIT_EXCEEDED', message: expect.stringContaining('5 query or sObject Collections') },
        ],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId: null,
      },
    ]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name LIKE 'Never%'")).totalSize).toBe(0);
    // The whole composite counts as one API request.
    expect(emulator.apiRequestCount()).toBe(before + 2);
    const sixQueries = await post<CompositeResponse>(conn, `${V}/composite`, {
      compositeRequest: Array.from({ length: 6 }, (_, i) => query(i)),
    });
    expect(sixQueries.compositeResponse).toHaveLength(1);
    expect(sixQueries.compositeResponse[0]).toMatchObject({ referenceId: null, httpStatusCode: 400 });
  });

  it('can refuse with an HTTP 400 error array instead (compositeLimitShape http400)', async () => {
    const { emulator, conn } = await emulatorWith({ compositeLimitShape: 'http400' });
    close = () => emulator.close();
    await expectError(
      post(conn, `${V}/composite`, { compositeRequest: Array.from({ length: 6 }, (_, i) => query(i)) }),
      'LIMIT_EXCEEDED',
    );
    await expectError(
      post(conn, `${V}/composite`, {
        compositeRequest: Array.from({ length: 26 }, (_, i) => ({
          method: 'GET',
          url: `${V}/limits`,
          referenceId: `r${i}`,
        })),
      }),
      'LIMIT_EXCEEDED',
    );
  });
});
