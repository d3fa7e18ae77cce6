/**
 * `capture salesforce check|setup`: verify a Salesforce org can take Capture's Tasks, and add
 * the custom fields Capture uses. Credentials from the environment: SF_LOGIN_URL + SF_CLIENT_ID
 * + SF_CLIENT_SECRET (client credentials) or SF_USERNAME + SF_PRIVATE_KEY_FILE (JWT bearer).
 */
import type { Command } from 'commander';
import type { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { credentialsFromEnv } from '#shared/config/salesforce-secret.ts';
import { describeError } from '#shared/errors.ts';
import { printLines, safeJson } from '../output.ts';

/** Fields a record cannot be created without that `filled` does not cover. */
function requiredBeyond<F extends FieldShape>(fields: F[], filled: string[]): F[] {
  return fields.filter(
    (f) =>
      f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean' && !filled.includes(f.name),
  );
}

interface FieldShape {
  name: string;
  type: string;
  createable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed check that stops Capture from syncing (others are advice). */
  blocking: boolean;
}

const TASK_FIELDS = [
  'Subject',
  'Description',
  'Status',
  'TaskSubtype',
  'ActivityDate',
  'OwnerId',
  'WhoId',
  'WhatId',
];

export async function runChecks(crm: SalesforceCrm): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, blocking = true) =>
    checks.push({ name, ok, detail, blocking });
  try {
    await crm.query('SELECT Id FROM User LIMIT 1');
    add('authentication', true, 'token issued and accepted');
  } catch (error) {
    add('authentication', false, describeError(error));
    return checks;
  }
  try {
    const { using, available } = await crm.apiVersions();
    add(
      'API version',
      available.includes(using),
      available.includes(using)
        ? `v${using} (org offers up to v${available.at(-1)})`
        : `v${using} is not offered by this org (it offers ${available.join(', ')}); set SALESFORCE_API_VERSION`,
    );
  } catch (error) {
    add('API version', false, describeError(error));
  }
  for (const type of [
    'Task',
    'Contact',
    'Lead',
    'User',
    'Order',
    'Opportunity',
    'TaskRelation',
    'ContentVersion',
  ]) {
    try {
      const d = await crm.describe(type);
      if (type === 'Task') {
        const missing = TASK_FIELDS.filter((f) => !d.fields.some((x) => x.name === f && x.createable));
        add(
          'Task fields createable',
          missing.length === 0,
          missing.length === 0 ? TASK_FIELDS.join(', ') : `not createable: ${missing.join(', ')}`,
        );
        // Re-sent Tasks are matched by Capture_Id__c, never rewritten: updateable only matters as advice.
        const fixed = TASK_FIELDS.filter(
          (f) => f !== 'TaskSubtype' && d.fields.some((x) => x.name === f && !x.updateable),
        );
        add(
          'Task fields updateable',
          fixed.length === 0,
          fixed.length === 0 ? 'yes' : `not updateable: ${fixed.join(', ')}`,
          false,
        );
        const capture = d.fields.find((f) => f.name === 'Capture_Id__c');
        if (capture) {
          add(
            'Task.Capture_Id__c writable',
            capture.createable,
            capture.createable
              ? 'createable by this user'
              : 'not createable by this user: grant field-level access (Edit) to its profile or permission set',
          );
        }
        const orders = d.fields.find((f) => f.name === 'Order_Numbers__c');
        if (orders && !orders.createable) {
          add(
            'Task.Order_Numbers__c writable',
            false,
            'not createable by this user: order numbers are left out',
            false,
          );
        }
        add(
          'Task.Capture_Id__c',
          capture?.externalId === true,
          capture
            ? capture.externalId
              ? 'External ID: deduplication in Salesforce'
              : 'exists but is not an External ID'
            : 'missing: run `capture salesforce setup` (until then an S3 ledger deduplicates)',
          false,
        );
        add(
          'Task.Order_Numbers__c',
          orders !== undefined,
          orders
            ? 'order numbers copied to the Task'
            : 'missing: run `capture salesforce setup` (order numbers are left out until then)',
          false,
        );
        const required = requiredBeyond(d.fields, TASK_FIELDS);
        add(
          'no extra required Task fields',
          required.length === 0,
          required.length === 0 ? 'none' : `Capture does not fill: ${required.map((f) => f.name).join(', ')}`,
        );
      } else if (type === 'Lead') {
        // The create-lead policy fills these; anything else required stops Lead creation.
        const filled = ['FirstName', 'LastName', 'Company', 'Email', 'LeadSource'];
        const required = requiredBeyond(d.fields, filled);
        add('Lead readable', true, `${d.fields.length} fields`);
        add(
          'Lead creatable (create-lead policy)',
          required.length === 0 && filled.every((n) => d.fields.some((f) => f.name === n && f.createable)),
          required.length === 0
            ? filled.join(', ')
            : `Capture does not fill: ${required.map((f) => f.name).join(', ')}`,
          false,
        );
      } else {
        add(
          `${type} readable`,
          true,
          `${d.fields.length} fields`,
          ['Contact', 'Lead', 'User'].includes(type),
        );
      }
    } catch (error) {
      const optional = ['Order', 'Opportunity', 'TaskRelation', 'ContentVersion'].includes(type);
      add(
        `${type} readable`,
        false,
        `${describeError(error)}${type === 'TaskRelation' ? ' (enable Shared Activities to relate extra contacts)' : ''}`,
        !optional,
      );
    }
  }
  await activityChecks(crm, add);
  return checks;
}

/** Meeting invites (Event fields) and Enhanced Email (EmailMessage and its external id): advice only. */
async function activityChecks(
  crm: SalesforceCrm,
  add: (name: string, ok: boolean, detail: string, blocking?: boolean) => void,
): Promise<void> {
  try {
    const event = await crm.describe('Event');
    const id = event.fields.find((f) => f.name === 'Capture_Id__c');
    const sequence = event.fields.find((f) => f.name === 'Capture_Sequence__c');
    add(
      'Event.Capture_Id__c and Capture_Sequence__c',
      id?.externalId === true && sequence !== undefined,
      id?.externalId === true && sequence !== undefined
        ? 'meeting invites become Events'
        : 'missing: run `capture salesforce setup` (until then invites are logged as Tasks)',
      false,
    );
  } catch (error) {
    add('Event readable', false, `${describeError(error)} (invites are logged as Tasks)`, false);
  }
  try {
    const email = await crm.describe('EmailMessage');
    const id = email.fields.find((f) => f.name === 'Capture_Id__c');
    add(
      'EmailMessage.Capture_Id__c (Enhanced Email)',
      id?.externalId === true,
      id?.externalId === true
        ? 'orgs with salesforce.enhancedEmail log mail as EmailMessages'
        : 'missing: run `capture salesforce setup` (until then such orgs get plain Tasks)',
      false,
    );
  } catch (error) {
    add(
      'EmailMessage readable (Enhanced Email)',
      false,
      `${describeError(error)} (turn on Enhanced Email to log mail as EmailMessages)`,
      false,
    );
  }
}

export function registerSalesforce(program: Command): void {
  const salesforce = program
    .command('salesforce')
    .description('check and prepare the Salesforce org Capture writes to');

  salesforce
    .command('check')
    .description('authenticate, describe the objects Capture uses and report what blocks syncing')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const crm = await connect();
      const checks = await runChecks(crm);
      const blocked = checks.some((c) => !c.ok && c.blocking);
      if (options.json) {
        process.stdout.write(`${safeJson({ ok: !blocked, apiCalls: crm.apiCalls(), checks })}\n`);
      } else {
        for (const c of checks)
          printLines(`${c.ok ? 'ok  ' : c.blocking ? 'FAIL' : 'warn'}  ${c.name}: ${c.detail}`);
        process.stdout.write(
          blocked ? 'Capture cannot sync to this org yet.\n' : 'Capture can sync to this org.\n',
        );
      }
      if (blocked) process.exitCode = 1;
    });

  salesforce
    .command('setup')
    .description(
      'add Capture_Id__c (External ID), Order_Numbers__c and Capture_Sequence__c to Activity, and Capture_Id__c to EmailMessage; safe to run again',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const crm = await connect();
      const fields = await crm.setupFields();
      if (options.json) process.stdout.write(`${safeJson({ fields })}\n`);
      else
        for (const f of fields)
          printLines(
            `${f.created ? 'added  ' : f.skipped ? 'skipped' : 'exists '} ${f.field}${f.skipped ? ` (${f.skipped})` : ''}`,
          );
    });
}

// jsforce is loaded when a command talks to Salesforce, not by every `capture` command.
async function connect(): Promise<SalesforceCrm> {
  const credentials = credentialsFromEnv(process.env);
  const { SalesforceCrm } = await import('#shared/adapters/salesforce/index.ts');
  return new SalesforceCrm({ credentials });
}
