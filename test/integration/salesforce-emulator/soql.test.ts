/** SOQL statement length (100,000 characters) and request URI length (16,384) limits; what the parser leaves out. */
import { afterEach, describe, expect, it } from 'vitest';
import { type CompositeResponse, emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** A valid statement of exactly `length` characters: an IN list of e-mail literals. */
function soqlOfLength(length: number): string {
  const head = "SELECT Id FROM Contact WHERE Email IN ('a@b.example'";
  let soql = head;
  let i = 0;
  while (soql.length + 20 < length) soql += `,'x${String(i++).padStart(8, '0')}@b.ex'`;
  soql += ')';
  return soql.replace(/\)$/, `${' '.repeat(length - soql.length)})`);
}

describe('SOQL limits', () => {
  it('answers 414 for a GET whose URI is longer than 16,384 characters', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const base = `${V}/query?q=`.length;
    const fits = soqlOfLength(5000);
    expect((await conn.query(fits)).totalSize).toBe(0);
    const get = (uriLength: number) =>
      fetch(`${emulator.url}${V}/query?q=${'x'.repeat(uriLength - base)}`, {
        headers: { authorization: `Bearer ${conn.accessToken}` },
      });
    expect((await get(16_384)).status).toBe(400); // reaches the parser: MALFORMED_QUERY
    const tooLong = await get(16_385);
    expect(tooLong.status).toBe(414);
    expect(await tooLong.json()).toEqual([{ message: expect.any(String), errorCode: 'URI_TOO_LONG' }]);
    await expectError(conn.query(soqlOfLength(17_000)), 'URI_TOO_LONG');
  });

  it('refuses statements over 100,000 characters with MALFORMED_QUERY, accepts 100,000', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    // Only a composite body can carry a statement this long; a GET URI cannot.
    const run = (soql: string) =>
      post<CompositeResponse>(conn, `${V}/composite`, {
        compositeRequest: [
          { method: 'GET', url: `${V}/query?q=${encodeURIComponent(soql)}`, referenceId: 'q' },
        ],
      });
    const longest = soqlOfLength(100_000);
    expect(longest).toHaveLength(100_000);
    expect((await run(longest)).compositeResponse[0]?.httpStatusCode).toBe(200);
    const over = (await run(soqlOfLength(100_001))).compositeResponse[0]!;
    expect(over.httpStatusCode).toBe(400);
    expect(over.body).toMatchObject([{ errorCode: 'MALFORMED_QUERY' }]);
  });

  it('refuses a WHERE string literal over 4,000 characters with MALFORMED_QUERY, accepts 4,000', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const literal = (n: number) =>
      `SELECT Id FROM Contact WHERE Email IN ('a@b.example', '${'x'.repeat(n)}')`;
    expect((await conn.query(literal(4_000))).totalSize).toBe(0);
    await expectError(conn.query(literal(4_001)), 'MALFORMED_QUERY');
    await expectError(
      conn.query(`SELECT Id FROM Contact WHERE Email LIKE '${'x'.repeat(4_001)}'`),
      'MALFORMED_QUERY',
    );
    await expectError(
      conn.query(`SELECT Id FROM Contact WHERE Email = '${'x'.repeat(4_001)}'`),
      'MALFORMED_QUERY',
    );
  });

  it('refuses with MALFORMED_QUERY what its parser leaves out: semi-joins, aggregates but COUNT(), GROUP BY, date literals, TYPEOF', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    for (const soql of [
      'SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)',
      'SELECT MAX(CreatedDate) FROM Contact',
      'SELECT COUNT(Id) FROM Contact',
      'SELECT AccountId FROM Contact GROUP BY AccountId',
      'SELECT Id FROM Task WHERE ActivityDate = TODAY',
      'SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS:7',
      'SELECT TYPEOF What WHEN Account THEN Name END FROM Task',
    ])
      await expectError(conn.query(soql), 'MALFORMED_QUERY');
  });
});
