/**
 * `capture org add|rotate|list|disable`: edit the org registry file without hand-editing JSON.
 * Every change is validated with the registry schema (the one `cdk synth` and both functions use)
 * before the file is replaced atomically; a refused change leaves the file untouched.
 */
import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseDomain } from 'tldts';
import type * as z from 'zod';
import { newToken } from '#shared/config/capture-token.ts';
import {
  type AddressMode,
  type CaptureAddress,
  captureAddressOf,
  isRetired,
  OrgSchema,
  type Registry,
  type RegistryInput,
  RegistrySchema,
} from '#shared/config/registry.ts';
import { readRegistryDocument, writeRegistryFile } from '#shared/config/registry-file.ts';
import {
  describeLocation,
  missingRegistryHint,
  type RegistryLocation,
  registryLocation,
} from '#shared/config/registry-location.ts';
import { ConfigError } from '#shared/errors.ts';
import { printLines, safeJson } from '../output.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETIRE_DAYS = 30;

type DocumentOrg = RegistryInput['orgs'][number];
type DocumentAddress = DocumentOrg['addresses'][number];

function tokensOf(registry: Registry | null): Set<string> {
  return new Set(registry?.orgs.flatMap((o) => o.addresses.map((a) => a.token)) ?? []);
}

/**
 * The registry a command works on: --config, else CAPTURE_CONFIG, else orgs.json here; `list`
 * reads the demo registry when there is none (as `npm start` does), the editing commands never.
 */
function locate(options: { config?: string }, reader: boolean): RegistryLocation {
  return registryLocation({ flag: options.config, demoFallback: reader });
}

/** readRegistryDocument, with the way out when the file is missing. */
function openRegistry(location: RegistryLocation) {
  try {
    return readRegistryDocument(location.path);
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'REGISTRY_UNREADABLE' && !existsSync(location.path))
      throw new ConfigError('REGISTRY_NOT_FOUND', `${error.message}; ${missingRegistryHint(location)}`);
    throw error;
  }
}

/** Checks a value with its piece of the registry schema; a bad value is a usage mistake (exit 2). */
function validated(schema: z.ZodType<string, string>, what: string, value: string): string {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidArgumentError(`${what} ${value}: ${result.error.issues[0]?.message ?? 'invalid'}`);
}

const orgIdArg = (value: string) => validated(OrgSchema.shape.id, 'org id', value);
const emailArg = (value: string) => validated(OrgSchema.shape.defaultOwnerEmail, 'owner', value);
const captureDomainArg = (value: string) =>
  validated(RegistrySchema.shape.captureDomain, 'capture domain', value);
/**
 * A domain an org can own, not a public suffix (`co.uk`, `com`, `github.io`): internal domains
 * decide who may BCC and who counts as a colleague, so a suffix would let anyone under it in.
 * Judged by the Public Suffix List (tldts), ICANN and private sections both.
 */
function ownableDomain(value: string): string {
  const domain = validated(OrgSchema.shape.internalDomains.element, 'domain', value);
  const parsed = parseDomain(domain, { allowPrivateDomains: true });
  if (parsed.domain === null)
    throw new InvalidArgumentError(
      `domain ${value}: is a public suffix (${parsed.publicSuffix ?? value}): give the org's own domain, such as example.${domain}`,
    );
  return domain;
}

// Variadic: commander hands over what was collected so far.
const domainArg = (value: string, previous: string[] = []) => [...previous, ownableDomain(value)];

function days(value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 3650))
    throw new InvalidArgumentError(`${value} is not a number of days from 0 to 3650`);
  return n;
}

/** The org as read (validated) and its entry in the file as written, to change. */
function findOrg(
  registry: Registry,
  document: RegistryInput,
  id: string,
  path: string,
): { org: Registry['orgs'][number]; docOrg: DocumentOrg } {
  const index = registry.orgs.findIndex((o) => o.id === id);
  const org = registry.orgs[index];
  const docOrg = document.orgs[index];
  if (!org || !docOrg) throw new ConfigError('UNKNOWN_ORG', `no org "${id}" in ${path}`);
  return { org, docOrg };
}

interface AddOptions {
  domain: string[];
  forward?: boolean;
  owner?: string;
  name?: string;
  captureDomain?: string;
  config?: string;
  json?: boolean;
}

/** The registry to add to: the file as it is, or a new one when `--capture-domain` is given. */
function openForAdd(id: string, path: string, options: AddOptions, command: Command) {
  if (!existsSync(path)) {
    if (!options.captureDomain) {
      command.error(`error: ${path} does not exist; give --capture-domain <domain> to create it`, {
        exitCode: 2,
        code: 'capture.usage',
      });
    }
    const document: RegistryInput = { captureDomain: options.captureDomain as string, orgs: [] };
    return { document, registry: null, basedOn: null };
  }
  const { document, registry, text } = readRegistryDocument(path);
  if (options.captureDomain && options.captureDomain !== registry.captureDomain) {
    throw new ConfigError(
      'CAPTURE_DOMAIN_MISMATCH',
      `${path} has captureDomain ${registry.captureDomain}, not ${options.captureDomain}`,
    );
  }
  if (registry.orgs.some((o) => o.id === id)) {
    throw new ConfigError('ORG_EXISTS', `org "${id}" already exists in ${path}; nothing changed`);
  }
  return { document, registry, basedOn: text };
}

function addOrg(id: string, options: AddOptions, command: Command): void {
  const { path } = locate(options, false);
  const { document, registry, basedOn } = openForAdd(id, path, options, command);
  const domains = [...new Set(options.domain)];
  const modes: AddressMode[] = options.forward ? ['bcc', 'forward'] : ['bcc'];
  const taken = tokensOf(registry);
  const addresses: DocumentAddress[] = modes.map((mode) => ({ token: newToken(id, taken), mode }));
  const owner = options.owner ?? `ops@${domains[0]}`;
  document.orgs.push({
    id,
    ...(options.name ? { name: options.name } : {}),
    enabled: true,
    internalDomains: domains,
    addresses,
    defaultOwnerEmail: owner,
    unmatched: 'unresolved',
  });
  const written = writeRegistryFile(path, document, basedOn);
  const rows = addresses.map((a) => ({
    address: `${a.token}@${written.captureDomain}`,
    token: a.token,
    mode: a.mode,
  }));
  if (options.json) {
    print({
      org: id,
      config: path,
      captureDomain: written.captureDomain,
      defaultOwnerEmail: owner,
      addresses: rows,
    });
    return;
  }
  const lines = [`added org ${id} to ${path}`, ...rows.map((r) => `  ${r.mode.padEnd(8)} ${r.address}`)];
  lines.push(`default owner ${owner}${options.owner ? '' : ' (change with --owner or in the file)'}`);
  printLines(...lines);
}

interface RotateOptions {
  mode: AddressMode;
  retireIn: number;
  config?: string;
  json?: boolean;
}

function rotateOrg(id: string, options: RotateOptions): void {
  const location = locate(options, false);
  const path = location.path;
  const { document, registry, text } = openRegistry(location);
  const { org, docOrg } = findOrg(registry, document, id, path);
  const now = new Date();
  if (!org.addresses.some((a) => a.mode === options.mode && !isRetired(a, now))) {
    throw new ConfigError('NOTHING_TO_ROTATE', `org "${id}" has no active ${options.mode} address to rotate`);
  }
  const retiresAt = new Date(now.getTime() + options.retireIn * DAY_MS).toISOString();
  // Addresses already retired, or retiring sooner than this, keep their date.
  const old = org.addresses
    .map((address, i) => ({ address, i }))
    .filter(
      ({ address }) =>
        address.mode === options.mode &&
        !isRetired(address, now) &&
        (address.retiresAt === undefined || Date.parse(address.retiresAt) > Date.parse(retiresAt)),
    );
  // The new address keeps the owner and description of the one it replaces.
  // (The check above found an active address of this mode.)
  const model = old.at(-1)?.address ?? org.addresses.filter((a) => a.mode === options.mode).at(-1);
  if (!model)
    throw new ConfigError('NOTHING_TO_ROTATE', `org "${id}" has no ${options.mode} address to rotate`);
  const token = newToken(id, tokensOf(registry));
  for (const { i } of old) {
    const written = docOrg.addresses[i];
    if (written) docOrg.addresses[i] = { ...written, retiresAt };
  }
  docOrg.addresses.push({
    token,
    mode: options.mode,
    ...(model.ownerEmail ? { ownerEmail: model.ownerEmail } : {}),
    ...(model.description ? { description: model.description } : {}),
  });
  const written = writeRegistryFile(path, document, text);
  const at = (t: string) => `${t}@${written.captureDomain}`;
  const result = {
    org: id,
    mode: options.mode,
    address: { address: at(token), token, mode: options.mode },
    retiring: old.map(({ address }) => ({ address: at(address.token), token: address.token, retiresAt })),
  };
  if (options.json) {
    print(result);
    return;
  }
  const lines = [`rotated the ${options.mode} address of org ${id}`, `  new       ${result.address.address}`];
  for (const r of result.retiring) {
    const retired = Date.parse(r.retiresAt) <= Date.now();
    lines.push(retired ? `  retired   ${r.address}` : `  retiring  ${r.address} on ${when(r.retiresAt)}`);
  }
  printLines(...lines);
}

export type AddressState = 'active' | 'retiring' | 'retired' | 'org-disabled';

/** What mail to the address gets now, in the order resolveCaptureAddress decides it. */
export function addressState(enabled: boolean, address: CaptureAddress, now: Date): AddressState {
  if (!enabled) return 'org-disabled';
  if (isRetired(address, now)) return 'retired';
  return address.retiresAt ? 'retiring' : 'active';
}

function listOrgs(options: { config?: string; json?: boolean }): void {
  const location = locate(options, true);
  const { registry } = openRegistry(location);
  // Say which file was read when it is not the one the user named or keeps here.
  if (location.source === 'demo' || location.source === 'env')
    process.stderr.write(`org registry: ${describeLocation(location)}\n`);
  const now = new Date();
  const orgs = registry.orgs.map((org) => ({
    id: org.id,
    ...(org.name ? { name: org.name } : {}),
    enabled: org.enabled,
    internalDomains: org.internalDomains,
    addresses: org.addresses.map((a) => ({
      address: captureAddressOf(registry, a),
      token: a.token,
      mode: a.mode,
      state: addressState(org.enabled, a, now),
      ...(a.retiresAt ? { retiresAt: a.retiresAt } : {}),
    })),
  }));
  if (options.json) {
    print({ captureDomain: registry.captureDomain, orgs });
    return;
  }
  const lines: string[] = [];
  for (const org of orgs) {
    lines.push(`${org.id}${org.name ? ` (${org.name})` : ''}  ${org.enabled ? 'enabled' : 'disabled'}`);
    for (const a of org.addresses) {
      const state =
        a.state === 'retiring' && a.retiresAt
          ? `retiring on ${when(a.retiresAt)}`
          : a.state === 'org-disabled'
            ? 'org disabled'
            : a.state;
      lines.push(`  ${a.mode.padEnd(8)} ${a.address}  ${state}`);
    }
  }
  if (lines.length > 0) printLines(...lines);
  else printLines(`no orgs in ${location.path}`);
}

function setEnabled(id: string, enabled: boolean, options: { config?: string; json?: boolean }): void {
  const location = locate(options, false);
  const { document, registry, text } = openRegistry(location);
  const { org, docOrg } = findOrg(registry, document, id, location.path);
  const changed = org.enabled !== enabled;
  if (changed) {
    docOrg.enabled = enabled;
    writeRegistryFile(location.path, document, text);
  }
  if (options.json) {
    print({ org: id, enabled, changed });
    return;
  }
  const state = enabled ? 'enabled' : 'disabled';
  printLines(changed ? `org ${id} ${state}` : `org ${id} was already ${state}; nothing changed`);
}

function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function print(value: unknown): void {
  process.stdout.write(`${safeJson(value)}\n`);
}

export function registerOrg(program: Command): void {
  const org = program
    .command('org')
    .description('add, rotate, list and disable orgs in the org registry file');
  const config = (c: Command) =>
    c.option('--config <file>', 'org registry file (default: CAPTURE_CONFIG, else orgs.json in this folder)');
  const json = (c: Command) => c.option('--json', 'print one JSON object');

  json(
    config(
      org
        .command('add')
        .description('add an org with fresh capture addresses and print them')
        .argument('<id>', 'org id: lower-case letters, digits and hyphens', orgIdArg)
        .requiredOption('--domain <domains...>', "the org's internal mail domains (who may BCC)", domainArg)
        .option('--forward', 'also create a forward-mode address (for routing rules)')
        .option('--owner <email>', 'default Task owner (default: ops@<first domain>)', emailArg)
        .option('--name <name>', 'display name')
        .option('--capture-domain <domain>', 'needed when the file does not exist yet', captureDomainArg),
    ),
  ).action(function (this: Command, id: string, options: AddOptions) {
    addOrg(id, options, this);
  });

  json(
    config(
      org
        .command('rotate')
        .description("add a new capture address and retire the org's old one(s) of that mode")
        .argument('<id>', 'org id', orgIdArg)
        .addOption(
          new Option('--mode <mode>', 'which address to rotate').choices(['bcc', 'forward']).default('bcc'),
        )
        .option(
          '--retire-in <days>',
          'days until the old address stops taking mail',
          days,
          DEFAULT_RETIRE_DAYS,
        ),
    ),
  ).action((id: string, options: RotateOptions) => rotateOrg(id, options));

  json(
    config(org.command('list').description('print every org and capture address with its mode and state')),
  ).action((options: { config?: string; json?: boolean }) => listOrgs(options));

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    json(
      config(
        org
          .command(name)
          .description(
            enabled ? 'take mail for the org again' : 'refuse mail for the org (its addresses stay)',
          )
          .argument('<id>', 'org id', orgIdArg),
      ),
    ).action((id: string, options: { config?: string; json?: boolean }) => setEnabled(id, enabled, options));
  }
}
