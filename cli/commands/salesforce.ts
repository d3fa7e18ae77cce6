/**
 * `capture salesforce check|setup`: report what a Salesforce org offers Capture and what the
 * integration user lacks; create Capture's fields and the permission set Capture_Integration.
 * Credentials from the environment: SF_LOGIN_URL + SF_CLIENT_ID + SF_CLIENT_SECRET (client
 * credentials) or SF_USERNAME + SF_PRIVATE_KEY_FILE (JWT bearer). The work is in
 * shared/adapters/salesforce/admin/.
 */
import type { Command } from 'commander';
import type { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { credentialsFromEnv } from '#shared/config/salesforce-secret.ts';
import { printLines, safeJson } from '../output.ts';

export function registerSalesforce(program: Command): void {
  const salesforce = program
    .command('salesforce')
    .description('check and prepare the Salesforce org Capture writes to');

  salesforce
    .command('check')
    .description(
      'authenticate and report, as named checks, every right Capture lacks, field visibility, Shared Activities, Enhanced Email and Email-to-Case, and API usage',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const crm = await connect();
      const { checkOrg } = await import('#shared/adapters/salesforce/admin/check.ts');
      const report = await checkOrg(crm);
      if (options.json) {
        process.stdout.write(`${safeJson({ ...report, apiCalls: crm.apiCalls() })}\n`);
      } else {
        for (const c of report.checks)
          printLines(`${c.ok ? 'ok  ' : c.blocking ? 'FAIL' : 'warn'}  ${c.name}: ${c.detail}`);
        if (report.missing.length > 0) printLines(`missing: ${report.missing.join('; ')}`);
        process.stdout.write(
          report.ok ? 'Capture can sync to this org.\n' : 'Capture cannot sync to this org yet.\n',
        );
      }
      if (!report.ok) process.exitCode = 1;
    });

  salesforce
    .command('setup')
    .description(
      "create Capture's custom fields (Activity: Capture_Id__c, Order_Numbers__c, Capture_Sequence__c; EmailMessage: Capture_Id__c) and the permission set Capture_Integration, and assign it; safe to run again",
    )
    .option(
      '--user <username>',
      'assign the permission set to this user (default: the user the credentials act as)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean; user?: string }) => {
      const crm = await connect();
      const { setupOrg } = await import('#shared/adapters/salesforce/admin/setup.ts');
      const result = await setupOrg(crm, options.user ? { assignee: options.user } : {});
      if (options.json) process.stdout.write(`${safeJson(result)}\n`);
      else
        for (const s of result.steps)
          printLines(`${s.action.padEnd(9)} ${s.item}${s.detail ? ` (${s.detail})` : ''}`);
      if (!result.ok) process.exitCode = 1;
    });
}

// jsforce is loaded when a command talks to Salesforce, not by every `capture` command.
async function connect(): Promise<SalesforceCrm> {
  const credentials = credentialsFromEnv(process.env);
  const { SalesforceCrm } = await import('#shared/adapters/salesforce/index.ts');
  return new SalesforceCrm({ credentials });
}
