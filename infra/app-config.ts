/**
 * The CDK app's context (`-c key=value` or cdk.json), validated into CaptureStack props. Every
 * problem is collected into one ConfigError, so an operator fixes them all in one go.
 */
import { resolve } from 'node:path';
import type { StackProps } from 'aws-cdk-lib';
import type { Registry } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { ConfigError } from '#shared/errors.ts';
import type { CaptureStackProps } from './stack.ts';

export type ContextReader = (key: string) => unknown;

export type AppConfig = Omit<CaptureStackProps, keyof StackProps>;

/**
 * The one line `cdk synth`/`cdk deploy` stops with when no registry is named. There is no default:
 * a forgotten flag must not deploy the demo orgs (`-c orgsFile=local/demo/orgs.json` names them).
 */
export const MISSING_ORGS_FILE =
  'cdk context: orgsFile is required: pass -c orgsFile=<your org registry>, e.g. -c orgsFile=orgs.json as written by capture org add (the demo orgs only when named: -c orgsFile=local/demo/orgs.json)';

/**
 * Context keys: `orgsFile` (required), `captureDomain` (default: the registry's;
 * when given it must equal it), `hostedZoneId` + `hostedZoneName` (both or neither: adds the MX
 * record), `alarmEmail`, `retentionDays` (positive whole days), `createSecrets` (default true;
 * `false` when the per-org secrets already exist), `activateRuleSet` (default true; `false` when
 * the account's one active SES rule set serves other mail too).
 * A bad registry throws the registry's own ConfigError (file and field named).
 */
export function readAppConfig(context: ContextReader, cwd = process.cwd()): AppConfig {
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null) return undefined;
    const trimmed = String(value).trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const named = text('orgsFile');
  if (named === undefined) throw new ConfigError('MISSING_CONTEXT', MISSING_ORGS_FILE);
  const orgsFile = resolve(cwd, named);
  const registry: Registry = loadRegistryFile(orgsFile);

  const problems: string[] = [];
  const captureDomain = text('captureDomain')?.toLowerCase();
  if (captureDomain && captureDomain !== registry.captureDomain) {
    // The functions resolve recipients against the registry's domain: two domains would drop all mail.
    problems.push(
      `captureDomain ${captureDomain} differs from captureDomain ${registry.captureDomain} in ${orgsFile}`,
    );
  }
  const hostedZoneId = text('hostedZoneId');
  const hostedZoneName = text('hostedZoneName');
  if ((hostedZoneId === undefined) !== (hostedZoneName === undefined)) {
    problems.push('hostedZoneId and hostedZoneName go together (give both for the MX record, or neither)');
  }
  if (hostedZoneName) {
    const zone = hostedZoneName.replace(/\.$/, '').toLowerCase();
    if (registry.captureDomain !== zone && !registry.captureDomain.endsWith(`.${zone}`)) {
      problems.push(`hostedZoneName ${hostedZoneName} does not contain ${registry.captureDomain}`);
    }
  }
  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    problems.push(`alarmEmail ${alarmEmail} is not an email address`);
  }
  const retention = text('retentionDays');
  const retentionDays = retention === undefined ? undefined : Number(retention);
  if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays > 0)) {
    problems.push(`retentionDays ${retention} must be a whole number of days above 0`);
  }
  const flag = (key: string): boolean | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`${key} ${value} must be true or false`);
    return undefined;
  };
  const createSecrets = flag('createSecrets');
  const activateRuleSet = flag('activateRuleSet');
  if (problems.length > 0) {
    throw new ConfigError('INVALID_CONTEXT', `cdk context: ${problems.join('; ')}`);
  }
  return {
    registry,
    orgsFile,
    ...(hostedZoneId && hostedZoneName ? { hostedZone: { hostedZoneId, zoneName: hostedZoneName } } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(retentionDays ? { retentionDays } : {}),
    ...(createSecrets === false ? { createSecrets } : {}),
    ...(activateRuleSet === false ? { activateRuleSet } : {}),
  };
}
