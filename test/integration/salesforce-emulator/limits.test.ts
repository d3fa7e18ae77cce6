/** Request-level limits: the daily API request limit, session expiry, and connected apps with their own latency. */
// The adapter imports jsforce's modules directly (smaller bundles); the package index, loaded after
// them, sees a half-loaded Connection through a circular require, so tests import the same modules.
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import { OAuth2 } from '@jsforce/jsforce-node/lib/oauth2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorWith, expectError, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('daily API request limit', () => {
  it('answers 403 REQUEST_LIMIT_EXCEEDED with Sforce-Limit-Info once the limit is used up', async () => {
    const { emulator, conn } = await emulatorWith({ dailyApiLimit: 3 });
    close = () => emulator.close();
    await conn.query('SELECT Id FROM User');
    await conn.query('SELECT Id FROM User');
    const third = await fetch(`${emulator.url}${V}/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(third.status).toBe(200);
    expect(third.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    const fourth = await fetch(`${emulator.url}${V}/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(fourth.status).toBe(403);
    expect(fourth.headers.get('sforce-limit-info')).toBe('api-usage=4/3');
    expect(await fourth.json()).toEqual([
      { message: expect.any(String), errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    await expectError(conn.query('SELECT Id FROM User'), 'REQUEST_LIMIT_EXCEEDED');
  });
});

describe('sessions', () => {
  it('ends sessions after their lifetime with 401 INVALID_SESSION_ID; jsforce refreshFn recovers', async () => {
    let now = 1_000_000;
    const { emulator, conn } = await emulatorWith({ sessionLifetimeMs: 7_200_000, now: () => now });
    close = () => emulator.close();
    await conn.query('SELECT Id FROM User');
    now += 7_200_000;
    await expectError(conn.query('SELECT Id FROM User'), 'INVALID_SESSION_ID');
    const oauth = new OAuth2({ clientId: 'local', clientSecret: 'local', loginUrl: emulator.url });
    let refreshed = 0;
    const refreshing = new Connection({
      instanceUrl: emulator.url,
      accessToken: conn.accessToken!,
      version: '62.0',
      refreshFn: (_c, callback) => {
        refreshed++;
        oauth.requestToken({ grant_type: 'client_credentials' }).then(
          (t) => callback(null, t.access_token),
          (e: Error) => callback(e),
        );
      },
    });
    expect((await refreshing.query('SELECT Id FROM User')).totalSize).toBe(4);
    expect(refreshed).toBe(1);
  });

  it('keeps a session without sessionLifetimeMs however long it lasts', async () => {
    let now = 1_000_000;
    const { emulator, conn } = await emulatorWith({ now: () => now });
    close = () => emulator.close();
    now += 365 * 24 * 60 * 60 * 1000;
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(4);
  });

  it('ends every session when the test expires them', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    emulator.expireSessions();
    await expectError(conn.query('SELECT Id FROM User'), 'INVALID_SESSION_ID');
  });
});

describe('connected apps', () => {
  it('takes each connected app with its own secret, and slows down only the sessions of the app latencyMsByClient names', async () => {
    const { emulator, conn } = await emulatorWith({
      connectedApps: [{ clientId: 'slow-app', clientSecret: 'slow-secret' }],
    });
    close = () => emulator.close();
    const token = (clientId: string, clientSecret: string) =>
      new OAuth2({ clientId, clientSecret, loginUrl: emulator.url }).requestToken({
        grant_type: 'client_credentials',
      });
    await expect(token('slow-app', 'local')).rejects.toMatchObject({ name: 'invalid_client' });
    const slow = new Connection({
      instanceUrl: emulator.url,
      accessToken: (await token('slow-app', 'slow-secret')).access_token,
      version: '62.0',
    });
    emulator.setFaults({ latencyMsByClient: { 'slow-app': 400 } });
    const timed = async (c: Connection) => {
      const start = performance.now();
      await c.query('SELECT Id FROM User');
      return performance.now() - start;
    };
    const slowMs = await timed(slow);
    expect(slowMs).toBeGreaterThanOrEqual(390);
    // The default app's session is not held back (compared, so a busy machine slowing both is no failure).
    expect(await timed(conn)).toBeLessThan(slowMs - 200);
  });
});
