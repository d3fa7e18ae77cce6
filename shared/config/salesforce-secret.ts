/**
 * Salesforce credentials, one Secrets Manager secret per org (never env vars in AWS, never logged).
 * JWT bearer: { "authFlow": "jwt-bearer", "loginUrl", "clientId", "username", "privateKey" }.
 * Client credentials: { "authFlow": "client-credentials", "loginUrl", "clientId", "clientSecret" }.
 */
import * as z from 'zod';
import { ConfigError } from '../errors.ts';

const loginUrl = z
  .string()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));

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
