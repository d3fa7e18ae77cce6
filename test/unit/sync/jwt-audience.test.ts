/** The JWT bearer assertion's audience is Salesforce's login host, whatever login URL the secret gives. */
import { describe, expect, it } from 'vitest';
import { jwtAudience } from '#shared/adapters/salesforce/auth.ts';

describe('jwtAudience', () => {
  it.each([
    ['https://login.salesforce.com', 'https://login.salesforce.com'],
    ['https://login.salesforce.com/', 'https://login.salesforce.com'],
    ['https://acme.my.salesforce.com', 'https://login.salesforce.com'],
    ['https://ACME.my.salesforce.com/services/oauth2/token', 'https://login.salesforce.com'],
    ['https://test.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme--uat.my.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme--uat.cs42.my.salesforce.com', 'https://test.salesforce.com'],
  ])('%s → %s', (url, audience) => {
    expect(jwtAudience(url)).toBe(audience);
  });

  it('keeps the URL of hosts that are not Salesforce login hosts (an Experience Cloud site, the emulator)', () => {
    expect(jwtAudience('https://acme.force.com/customers/')).toBe('https://acme.force.com/customers');
    expect(jwtAudience('http://127.0.0.1:8484')).toBe('http://127.0.0.1:8484');
  });
});
