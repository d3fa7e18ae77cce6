/** Salesforce secrets: cached for a short time, read again after it, or at once after invalidate. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerCredentials } from '#shared/adapters/secrets-manager-credentials.ts';
import type { Org } from '#shared/config/registry.ts';

function fakeSecrets() {
  let version = 0;
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof GetSecretValueCommand)) throw new Error('unexpected command');
      version++;
      return {
        SecretString: JSON.stringify({
          authFlow: 'client-credentials',
          loginUrl: 'https://acme.my.salesforce.com',
          clientId: 'id',
          clientSecret: `secret-${version}`,
        }),
      };
    },
  } as unknown as SecretsManagerClient;
  return { client, reads: () => version };
}

const org = { id: 'acme', salesforce: {} } as Org;

describe('SecretsManagerCredentials', () => {
  it('reads a secret once per TTL, so a warm function picks up a rotation', async () => {
    let now = 0;
    const secrets = fakeSecrets();
    const credentials = new SecretsManagerCredentials(secrets.client, 'capture/salesforce/', {
      ttlMs: 60_000,
      now: () => now,
    });
    expect(await credentials.forOrg(org)).toMatchObject({ clientSecret: 'secret-1' });
    now = 59_999;
    expect(await credentials.forOrg(org)).toMatchObject({ clientSecret: 'secret-1' });
    expect(secrets.reads()).toBe(1);
    now = 60_000;
    expect(await credentials.forOrg(org)).toMatchObject({ clientSecret: 'secret-2' });
    expect(secrets.reads()).toBe(2);
  });

  it('reads again at once after invalidate (Salesforce refused the cached credentials)', async () => {
    const secrets = fakeSecrets();
    const credentials = new SecretsManagerCredentials(secrets.client, 'capture/salesforce/');
    await credentials.forOrg(org);
    credentials.invalidate(org);
    expect(await credentials.forOrg(org)).toMatchObject({ clientSecret: 'secret-2' });
  });
});
