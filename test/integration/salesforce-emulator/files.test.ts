/** Files sent as base64 in JSON: at most 37.5 MB of base64 and 50 MB of text per request. */
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

const MB = 1024 * 1024;
const version = (title: string, base64Chars: number) => ({
  attributes: { type: 'ContentVersion' },
  Title: title,
  PathOnClient: `${title}.bin`,
  VersionData: 'A'.repeat(base64Chars),
});

describe('file sizes', () => {
  it('refuses more than 37.5 MB of base64 in one request and takes a request just under it', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    // Both bodies built first: building one on a busy machine can outlast the server's keep-alive
    // (5 s), which then closes the idle connection just as the next request is written (EPIPE).
    const under = JSON.stringify({ records: [version('a', 18 * MB), version('b', 19 * MB)] });
    const over = JSON.stringify({ records: [version('c', 19 * MB), version('d', 19 * MB)] });
    const ok = await post<{ success: boolean }[]>(conn, `${V}/composite/sobjects`, under);
    expect(ok.map((r) => r.success)).toEqual([true, true]);
    await expectError(post(conn, `${V}/composite/sobjects`, over), 'STRING_TOO_LONG');
    expect(emulator.records('ContentVersion').map((v) => v.Title)).toEqual(['a', 'b']);
  });

  it('stops reading a request body over 50 MB and answers 413', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const response = await fetch(`${emulator.url}${V}/sobjects/Account`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Name: 'Big', Website: 'x'.repeat(50 * MB) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual([
      { message: expect.any(String), errorCode: 'REQUEST_ENTITY_TOO_LARGE' },
    ]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Big'")).totalSize).toBe(0);
  });
});
