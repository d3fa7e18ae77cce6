/** SF_* credentials, read the same way by the CLI and the local sync wiring. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsFromEnv } from '#shared/config/salesforce-secret.ts';

const base = { SF_LOGIN_URL: 'https://login.example.com/', SF_CLIENT_ID: 'client' };

describe('credentialsFromEnv', () => {
  it('reads client credentials, the login URL without its trailing slash', () => {
    expect(credentialsFromEnv({ ...base, SF_CLIENT_SECRET: 's3cret' })).toEqual({
      authFlow: 'client-credentials',
      loginUrl: 'https://login.example.com',
      clientId: 'client',
      clientSecret: 's3cret',
    });
  });

  it('reads the JWT bearer flow from a private key file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sf-key-')), 'key.pem');
    writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    const credentials = credentialsFromEnv({
      ...base,
      SF_USERNAME: 'u@example.com',
      SF_PRIVATE_KEY_FILE: file,
    });
    expect(credentials).toMatchObject({ authFlow: 'jwt-bearer', username: 'u@example.com' });
  });

  it('names what is missing or unreadable, never a value', () => {
    expect(() => credentialsFromEnv({})).toThrow(/set SF_LOGIN_URL and SF_CLIENT_ID/);
    expect(() => credentialsFromEnv({ ...base, SF_PRIVATE_KEY_FILE: '/nonexistent/key.pem' })).toThrow(
      /SF_PRIVATE_KEY_FILE .* cannot be read/,
    );
    expect(() => credentialsFromEnv({ ...base, SF_CLIENT_SECRET: '' })).toThrow(/clientSecret/);
  });
});
