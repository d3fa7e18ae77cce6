/**
 * Salesforce credentials, one Secrets Manager secret per org (never env vars in AWS, never logged).
 * JWT bearer: { "authFlow": "jwt-bearer", "loginUrl", "clientId", "username", "privateKey" }.
 * Client credentials: { "authFlow": "client-credentials", "loginUrl", "clientId", "clientSecret" }.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ConfigError } from '../errors.ts';

const loginUrl = z.url().transform((u) => u.replace(/\/+$/, ''));

export const SalesforceCredentialsSchema = z.discriminatedUnion('authFlow', [
  z.object({
    authFlow: z.literal('jwt-bearer'),
    loginUrl,
    clientId: z.string().min(1),
    username: z.string().min(1),
    privateKey: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  }),
  z.object({
    authFlow: z.literal('client-credentials'),
    loginUrl,
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
  }),
]);
export type SalesforceCredentials = z.infer<typeof SalesforceCredentialsSchema>;

/** Validates credentials; the error names the bad keys, never their values. */
export function parseSalesforceSecret(input: unknown, source: string): SalesforceCredentials {
  const result = SalesforceCredentialsSchema.safeParse(input);
  if (result.success) return result.data;
  const keys = result.error.issues.map((i) => `${i.path.join('.') || 'authFlow'} (${i.code})`);
  throw new ConfigError(
    'INVALID_SALESFORCE_SECRET',
    `Salesforce credentials in ${source} are invalid: ${keys.join(', ')}`,
  );
}

/**
 * Credentials from SF_* variables (the CLI, the local stack and development; never in AWS):
 * SF_LOGIN_URL + SF_CLIENT_ID + SF_CLIENT_SECRET (client credentials), or SF_USERNAME +
 * SF_PRIVATE_KEY_FILE (JWT bearer).
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): SalesforceCredentials {
  if (!env.SF_LOGIN_URL || !env.SF_CLIENT_ID) {
    throw new ConfigError(
      'NO_CREDENTIALS',
      'set SF_LOGIN_URL and SF_CLIENT_ID, plus SF_CLIENT_SECRET or SF_USERNAME and SF_PRIVATE_KEY_FILE',
    );
  }
  const base = { loginUrl: env.SF_LOGIN_URL, clientId: env.SF_CLIENT_ID };
  const credentials = env.SF_PRIVATE_KEY_FILE
    ? {
        ...base,
        authFlow: 'jwt-bearer',
        username: env.SF_USERNAME,
        privateKey: readKey(env.SF_PRIVATE_KEY_FILE),
      }
    : { ...base, authFlow: 'client-credentials', clientSecret: env.SF_CLIENT_SECRET };
  return parseSalesforceSecret(credentials, 'SF_* environment');
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('PRIVATE_KEY_UNREADABLE', `SF_PRIVATE_KEY_FILE ${path} cannot be read`);
  }
}
