/** CAPTURE_SF_FRESH and CAPTURE_SF_API_LIMIT, as `npm start` and the emulator started alone read them. */
import { describe, expect, it } from 'vitest';
import { emulatorOrgFromEnv } from '#local/salesforce/env.ts';

describe('the emulator org from the environment', () => {
  it('starts fresh with CAPTURE_SF_FRESH=1 and takes a daily limit from CAPTURE_SF_API_LIMIT', () => {
    expect(emulatorOrgFromEnv({})).toEqual({});
    expect(emulatorOrgFromEnv({ CAPTURE_SF_FRESH: '1', CAPTURE_SF_API_LIMIT: '5000' })).toEqual({
      salesforceFresh: true,
      salesforceApiLimit: 5000,
    });
    expect(emulatorOrgFromEnv({ CAPTURE_SF_FRESH: '0' })).toEqual({});
  });

  it('refuses values it cannot read, in one line naming the variable', () => {
    expect(() => emulatorOrgFromEnv({ CAPTURE_SF_FRESH: 'yes' })).toThrow(/^CAPTURE_SF_FRESH must be 1/);
    expect(() => emulatorOrgFromEnv({ CAPTURE_SF_API_LIMIT: '-3' })).toThrow(/^CAPTURE_SF_API_LIMIT must be/);
    expect(() => emulatorOrgFromEnv({ CAPTURE_SF_API_LIMIT: 'lots' })).toThrow(
      /^CAPTURE_SF_API_LIMIT must be/,
    );
  });
});
