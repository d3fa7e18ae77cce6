/**
 * The org registry: which organisations use Capture, their capture addresses and policies.
 * Admins keep it in a version-controlled JSON file; the CDK app and both functions validate it
 * with this schema. Pure: no file system access here (see registry-file.ts).
 */
import { RE2JS } from 're2js';
import * as z from 'zod';
import { ConfigError } from '../errors.ts';
import { TOKEN_PATTERN, TOKEN_RULE } from './capture-token.ts';

export { TOKEN_PATTERN } from './capture-token.ts';

const domainName = z
  .string()
  .min(3)
  .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a domain name such as example.com')
  .transform((d) => d.toLowerCase());

const emailAddress = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address')
  .transform((a) => a.toLowerCase());

export const AddressMode = z.enum(['bcc', 'forward']);
export type AddressMode = z.infer<typeof AddressMode>;

export const CaptureAddressSchema = z.object({
  token: z
    .string()
    .transform((t) => t.toLowerCase())
    .pipe(z.string().regex(TOKEN_PATTERN, `must be ${TOKEN_RULE}`)),
  mode: AddressMode,
  /** Overrides the org's default owner for mail captured through this address. */
  ownerEmail: emailAddress.optional(),
  description: z.string().optional(),
  /**
   * When set (ISO 8601 with offset), mail to this address is refused from that moment on:
   * `capture org rotate` gives old addresses a grace period instead of cutting them off.
   */
  retiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CaptureAddress = z.infer<typeof CaptureAddressSchema>;

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'giu');
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`,
    });
    return;
  }
  // Order patterns run on RE2 (linear time, see order-numbers.ts): lookaround and backreferences are refused.
  try {
    RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `cannot run in linear time (no lookaround or backreferences): ${error instanceof Error ? error.message : String(error)}`,
    });
  }
});

export const OrderNumberConfigSchema = z.object({
  /** Regular expressions (JavaScript syntax) matching this org's order numbers. A capture group, if any, is the number. */
  patterns: z.array(regexSource).default([]),
  /** Also look for labelled numbers such as "Order #12345", "PO 4711", "SO-104233". */
  useDefaults: z.boolean().default(true),
  lookup: z
    .object({
      object: z.enum(['Order', 'Opportunity']).default('Order'),
      field: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a Salesforce field API name')
        .default('OrderNumber'),
    })
    .prefault({}),
});
export type OrderNumberConfig = z.infer<typeof OrderNumberConfigSchema>;

export const UnmatchedPolicy = z.enum(['unresolved', 'create-lead', 'skip']);
export type UnmatchedPolicy = z.infer<typeof UnmatchedPolicy>;

export const DuplicatePolicy = z.enum(['oldest', 'most-recent-activity', 'all']);
export type DuplicatePolicy = z.infer<typeof DuplicatePolicy>;

export const NoticesConfigSchema = z.object({
  /** Notices to the reps who BCC'd mail that could not be logged, and the admin digest. */
  enabled: z.boolean().default(true),
  /** Who gets the daily digest of mail that ended unresolved, quarantined or failed; none: no digest. */
  adminEmails: z.array(emailAddress).default([]),
  /** The hour (UTC, 0–23) the daily digest is sent. */
  digestHour: z.number().int().min(0).max(23).default(8),
});
export type NoticesConfig = z.infer<typeof NoticesConfigSchema>;

export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const OrgSchema = z.object({
  id: z.string().regex(ORG_ID_PATTERN, 'must be lower-case letters, digits and hyphens'),
  name: z.string().optional(),
  enabled: z.boolean().default(true),
  internalDomains: z.array(domainName).min(1, 'needs at least one internal domain'),
  addresses: z.array(CaptureAddressSchema).min(1, 'needs at least one capture address'),
  defaultOwnerEmail: emailAddress,
  unmatched: UnmatchedPolicy.default('unresolved'),
  /**
   * One address with several Contacts (or Leads): which becomes the WhoId when the mail names no
   * record of one of their Accounts. `all` makes the oldest the WhoId and relates the others.
   */
  matching: z.object({ duplicates: DuplicatePolicy.default('oldest') }).prefault({}),
  orderNumbers: OrderNumberConfigSchema.prefault({}),
  privacy: z
    .object({
      /** Mail from or to these domains is never logged. */
      excludedDomains: z.array(domainName).default([]),
      /** Mail from or to these addresses is never logged. */
      excludedAddresses: z.array(emailAddress).default([]),
      /** A subject containing this tag is never logged. */
      privateTag: z.string().min(1).default('#private'),
      /** Mask Luhn-valid payment card numbers in bodies. */
      maskCardNumbers: z.boolean().default(true),
    })
    .prefault({}),
  attachments: z
    .object({
      upload: z.boolean().default(true),
      /** Larger attachments are listed in the Task but not uploaded as Files. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(25 * 1024 * 1024),
    })
    .prefault({}),
  salesforce: z
    .object({
      /** Secrets Manager secret holding this org's Salesforce credentials (see shared/config/salesforce-secret.ts). */
      secretName: z.string().optional(),
      /**
       * The org has Enhanced Email: each mail is logged as an EmailMessage, whose own Task
       * (Salesforce creates it) gets Capture's fields.
       */
      enhancedEmail: z.boolean().default(false),
      /**
       * Batches of this org's mail written to Salesforce at the same time, across every sync
       * invocation: a slow or busy org holds at most this many of the sync function's slots.
       */
      maxConcurrency: z.number().int().min(1).max(50).default(2),
      /**
       * Percent of the org's daily API requests Capture may reach; past it the org's mail waits
       * (handed back to the queue) until the allowance recovers, leaving the rest to the org's users.
       */
      apiBudgetPercent: z.number().min(1).max(100).default(80),
    })
    .prefault({}),
  calendar: z
    .object({
      /** What a cancelled meeting does to its Event: delete it, or mark it "Cancelled: …" and free. */
      onCancel: z.enum(['delete', 'mark']).default('delete'),
    })
    .prefault({}),
  /** Notices about mail that could not be logged (docs/notices.md). */
  notices: NoticesConfigSchema.prefault({}),
});
export type Org = z.infer<typeof OrgSchema>;

export const RegistrySchema = z
  .object({
    captureDomain: domainName,
    orgs: z.array(OrgSchema),
  })
  .superRefine((registry, ctx) => {
    const tokens = new Map<string, string>();
    const ids = new Set<string>();
    registry.orgs.forEach((org, i) => {
      if (ids.has(org.id)) {
        ctx.addIssue({ code: 'custom', path: ['orgs', i, 'id'], message: `duplicate org id "${org.id}"` });
      }
      ids.add(org.id);
      org.addresses.forEach((address, j) => {
        const owner = tokens.get(address.token);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['orgs', i, 'addresses', j, 'token'],
            message: `token "${address.token}" is already used by org "${owner}"`,
          });
        }
        tokens.set(address.token, org.id);
      });
    });
  });
export type Registry = z.infer<typeof RegistrySchema>;
export type RegistryInput = z.input<typeof RegistrySchema>;

/** Formats zod issues as `field.path: message` lines, naming the source. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  const lines = issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  return `invalid org registry ${source}: ${lines.join('; ')}`;
}

/** Validates a parsed registry document. Throws ConfigError naming every bad field. */
export function parseRegistry(input: unknown, source = '(inline)'): Registry {
  const result = RegistrySchema.safeParse(input);
  if (!result.success) throw new ConfigError('INVALID_REGISTRY', formatIssues(result.error.issues, source));
  return result.data;
}

export type CaptureAddressResolution =
  | {
      ok: true;
      org: Org;
      address: CaptureAddress;
      /** The recipient as given, lower-cased. */
      recipient: string;
      /** Sub-address target, e.g. `SO-104233` from `token+SO-104233@domain`; null if none. */
      target: string | null;
    }
  | {
      ok: false;
      reason: RecipientRejectionReason;
      recipient: string;
      orgId?: string;
    };

export type RecipientRejectionReason =
  | 'not-capture-domain'
  | 'unknown-token'
  | 'org-disabled'
  | 'retired-address'
  | 'malformed-address';

/** Whether the address's retirement date has passed at `at`. */
export function isRetired(address: CaptureAddress, at: Date): boolean {
  return address.retiresAt !== undefined && Date.parse(address.retiresAt) <= at.getTime();
}

/**
 * Resolves an envelope recipient to its org and address mode at time `when` (retired addresses
 * stop resolving then). Case-insensitive. Never throws: an address that is not a capture
 * address is a typed rejection the caller records.
 */
export function resolveCaptureAddress(
  registry: Registry,
  recipient: string,
  when: Date = new Date(),
): CaptureAddressResolution {
  const trimmed = recipient.trim().replace(/^<|>$/g, '');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1)
    return { ok: false, reason: 'malformed-address', recipient: trimmed };
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).toLowerCase();
  if (domain !== registry.captureDomain)
    return { ok: false, reason: 'not-capture-domain', recipient: trimmed };
  const plus = local.indexOf('+');
  const token = (plus === -1 ? local : local.slice(0, plus)).toLowerCase();
  const rawTarget = plus === -1 ? '' : local.slice(plus + 1).trim();
  for (const org of registry.orgs) {
    const address = org.addresses.find((a) => a.token === token);
    if (!address) continue;
    if (!org.enabled) return { ok: false, reason: 'org-disabled', recipient: trimmed, orgId: org.id };
    if (isRetired(address, when))
      return { ok: false, reason: 'retired-address', recipient: trimmed, orgId: org.id };
    return {
      ok: true,
      org,
      address,
      recipient: trimmed.toLowerCase(),
      target: rawTarget === '' ? null : rawTarget,
    };
  }
  return { ok: false, reason: 'unknown-token', recipient: trimmed };
}

export function captureAddressOf(registry: Registry, address: CaptureAddress): string {
  return `${address.token}@${registry.captureDomain}`;
}
