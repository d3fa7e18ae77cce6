/** OAuth for server-to-server use: JWT bearer or client credentials (no refresh token in either). */
import { OAuth2 } from '@jsforce/jsforce-node/lib/oauth2.js';
import { importPKCS8, SignJWT } from 'jose';
import type { SalesforceCredentials } from '../../config/salesforce-secret.ts';
import { PermanentError } from '../../errors.ts';
import { classifySalesforceError } from './errors.ts';

export interface AccessToken {
  accessToken: string;
  instanceUrl: string;
  /** The User the token acts for: the last part of the token's identity URL (`id`). */
  userId: string | null;
}

/** The User id at the end of an identity URL (https://login.salesforce.com/id/<org>/<user>). */
const userOf = (identity: unknown) =>
  typeof identity === 'string' ? (/\/id\/[^/]+\/([a-zA-Z0-9]{15,18})\/?$/.exec(identity)?.[1] ?? null) : null;

export async function requestAccessToken(credentials: SalesforceCredentials): Promise<AccessToken> {
  try {
    if (credentials.authFlow === 'client-credentials') {
      const oauth2 = new OAuth2({
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        loginUrl: credentials.loginUrl,
      });
      const res = await oauth2.requestToken({ grant_type: 'client_credentials' });
      return { accessToken: res.access_token, instanceUrl: res.instance_url, userId: userOf(res.id) };
    }
    const key = await importPKCS8(credentials.privateKey, 'RS256');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(credentials.clientId)
      .setSubject(credentials.username)
      .setAudience(jwtAudience(credentials.loginUrl))
      .setExpirationTime('3m')
      .sign(key);
    const oauth2 = new OAuth2({ loginUrl: credentials.loginUrl });
    const res = await oauth2.requestToken({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    });
    return { accessToken: res.access_token, instanceUrl: res.instance_url, userId: userOf(res.id) };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    // invalid_grant / invalid_client: the credentials or the app's setup are wrong; retrying cannot help.
    if (
      /invalid_grant|invalid_client|unsupported_grant_type|invalid_client_id/.test(`${e.name} ${e.message}`)
    ) {
      throw new PermanentError(
        'SALESFORCE_AUTH_FAILED',
        `Salesforce login failed: ${(e.message ?? '').split('\n')[0]}`,
      );
    }
    throw classifySalesforceError(error, 'Salesforce login');
  }
}

/**
 * The `aud` of a JWT bearer assertion. Salesforce wants its login host, not the URL the token
 * is requested from: https://login.salesforce.com for production, https://test.salesforce.com
 * for sandboxes, even when the secret gives a My Domain login URL. Other hosts keep the URL
 * given: an Experience Cloud site's audience is its own URL, and so is the local emulator's.
 */
export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname.toLowerCase();
  if (!/(^|\.)salesforce\.com$/.test(host)) return loginUrl.replace(/\/+$/, '');
  const sandbox =
    host === 'test.salesforce.com' ||
    /\.sandbox\.my\.salesforce\.com$/.test(host) ||
    /--[a-z0-9]+\.(cs\d+\.)?my\.salesforce\.com$/.test(host);
  return sandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
}
