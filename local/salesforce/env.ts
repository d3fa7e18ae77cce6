/**
 * The emulator's org as the environment asks for it, for `npm start` and the emulator started
 * alone: CAPTURE_SF_FRESH=1 starts it like a new org (no Capture fields, no permission set,
 * field-level security on); CAPTURE_SF_API_LIMIT sets its daily API request limit.
 */
export function emulatorOrgFromEnv(env: NodeJS.ProcessEnv): {
  salesforceFresh?: true;
  salesforceApiLimit?: number;
} {
  const fresh = env.CAPTURE_SF_FRESH;
  if (fresh !== undefined && fresh !== '' && fresh !== '0' && fresh !== '1')
    throw new Error(`CAPTURE_SF_FRESH must be 1 (or 0), got "${fresh}"`);
  const limit = env.CAPTURE_SF_API_LIMIT;
  if (limit !== undefined && limit !== '' && !(Number.isInteger(Number(limit)) && Number(limit) > 0))
    throw new Error(`CAPTURE_SF_API_LIMIT must be a whole number of requests above 0, got "${limit}"`);
  return {
    ...(fresh === '1' ? { salesforceFresh: true as const } : {}),
    ...(limit ? { salesforceApiLimit: Number(limit) } : {}),
  };
}
