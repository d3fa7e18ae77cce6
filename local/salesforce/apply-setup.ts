/**
 * What an admin does once per org with `capture salesforce setup` (Capture's fields, the
 * permission set Capture_Integration, its assignment), done against an emulator at start so the
 * local stack's default org is ready. CAPTURE_SF_FRESH=1 skips it.
 */
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { ConfigError } from '#shared/errors.ts';

export async function applySetup(url: string): Promise<void> {
  const crm = new SalesforceCrm({
    credentials: { authFlow: 'client-credentials', loginUrl: url, clientId: 'local', clientSecret: 'local' },
  });
  const { setupOrg } = await import('#shared/adapters/salesforce/admin/setup.ts');
  const result = await setupOrg(crm);
  const failed = result.steps.filter((s) => s.action === 'failed');
  if (failed.length > 0)
    throw new ConfigError('SALESFORCE_SETUP_FAILED', failed.map((s) => `${s.item}: ${s.detail}`).join('; '));
}
