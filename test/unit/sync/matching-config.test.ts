import { describe, expect, it } from 'vitest';
import { OrgSchema } from '#shared/config/registry.ts';

const base = {
  id: 'acme',
  internalDomains: ['acme.example'],
  defaultOwnerEmail: 'ops@acme.example',
  addresses: [{ token: 'acme-k7q2m9x4p8w3', mode: 'bcc' }],
};

describe('orgs[].matching.duplicates', () => {
  it('defaults to oldest and takes the three policies', () => {
    expect(OrgSchema.parse(base).matching.duplicates).toBe('oldest');
    for (const duplicates of ['oldest', 'most-recent-activity', 'all'])
      expect(OrgSchema.parse({ ...base, matching: { duplicates } }).matching.duplicates).toBe(duplicates);
  });

  it('refuses any other value with the path in the error', () => {
    const result = OrgSchema.safeParse({ ...base, matching: { duplicates: 'newest' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['matching', 'duplicates']);
  });
});
