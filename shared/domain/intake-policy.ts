/**
 * Intake policy: which org(s) a received message belongs to and whether it may be logged at all.
 * Pure: works on the SES receipt (recipients, verdicts) and, after parsing, on the CapturedEmail.
 */
import {
  type CaptureAddress,
  type Org,
  type RecipientRejectionReason,
  type Registry,
  resolveCaptureAddress,
} from '../config/registry.ts';
import type { CapturedEmail } from './captured-email.ts';
import { isInternalAddress } from './internal-address.ts';

export interface ResolvedCapture {
  org: Org;
  address: CaptureAddress;
  recipient: string;
  target: string | null;
}

export interface RecipientRejection {
  recipient: string;
  reason: RecipientRejectionReason;
  orgId?: string;
}

/**
 * Resolves the envelope recipients (as of `at`, when the mail was received) to one capture per org. A message sent to several addresses of
 * the same org is captured once: a `bcc` address wins over `forward` (the rep is known), and an
 * address with a sub-address target wins over one without.
 */
export function resolveRecipients(
  registry: Registry,
  recipients: readonly string[],
  at: Date = new Date(),
): { captures: ResolvedCapture[]; rejections: RecipientRejection[] } {
  const byOrg = new Map<string, ResolvedCapture>();
  const rejections: RecipientRejection[] = [];
  for (const recipient of recipients) {
    const resolution = resolveCaptureAddress(registry, recipient, at);
    if (!resolution.ok) {
      // Other recipients at non-capture domains can legitimately share the envelope; skip them quietly.
      if (resolution.reason !== 'not-capture-domain') {
        rejections.push({
          recipient: resolution.recipient,
          reason: resolution.reason,
          ...(resolution.orgId ? { orgId: resolution.orgId } : {}),
        });
      }
      continue;
    }
    const candidate: ResolvedCapture = {
      org: resolution.org,
      address: resolution.address,
      recipient: resolution.recipient,
      target: resolution.target,
    };
    const current = byOrg.get(resolution.org.id);
    if (!current || rank(candidate) > rank(current)) byOrg.set(resolution.org.id, candidate);
  }
  return { captures: [...byOrg.values()], rejections };
}

function rank(capture: ResolvedCapture): number {
  return (capture.address.mode === 'bcc' ? 2 : 0) + (capture.target ? 1 : 0);
}

export interface Verdicts {
  spam?: string | undefined;
  virus?: string | undefined;
  dmarc?: string | undefined;
}

export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; outcome: 'rejected' | 'quarantined'; reason: string };

/**
 * SES verdicts: a virus or spam FAIL is quarantined, never synced. A DMARC FAIL means a forged
 * From; on a `bcc` address the From is what grants access, so it is quarantined too (and a From
 * that DMARC does not disprove must still be proven after parsing: see senderAuthenticated). On a
 * `forward` address mail arrives through the org's own routing rules, which often break the
 * original sender's SPF/DKIM alignment, so DMARC alone does not decide there.
 */
export function checkVerdicts(verdicts: Verdicts, mode: 'bcc' | 'forward'): PolicyDecision {
  if (verdicts.virus === 'FAIL') return { allowed: false, outcome: 'quarantined', reason: 'virus' };
  if (verdicts.spam === 'FAIL') return { allowed: false, outcome: 'quarantined', reason: 'spam' };
  if (mode === 'bcc' && verdicts.dmarc === 'FAIL') {
    return { allowed: false, outcome: 'quarantined', reason: 'dmarc-fail' };
  }
  return { allowed: true };
}

/** SES's sender authentication verdicts, as the receipt carries them. */
export interface AuthVerdicts {
  spf?: string | undefined;
  dkim?: string | undefined;
  dmarc?: string | undefined;
}

/**
 * Rules that need the parsed message: loop guards (auto-replies, bounces, bulk and list mail,
 * mail from the capture domain) and the sender rule of `bcc` addresses (only the org's own
 * people may BCC; anyone may reach a `forward` address, which routing rules feed).
 */
export function checkParsedMessage(
  email: CapturedEmail,
  capture: ResolvedCapture,
  captureDomain: string,
  verdicts: AuthVerdicts = {},
): PolicyDecision {
  if (email.kind === 'bounce') return { allowed: false, outcome: 'rejected', reason: 'bounce' };
  if (email.kind === 'auto-reply') return { allowed: false, outcome: 'rejected', reason: 'auto-reply' };
  const from = email.from?.address ?? null;
  if (from && isWithin(domainOf(from), captureDomain)) {
    return { allowed: false, outcome: 'rejected', reason: 'loop-own-domain' };
  }
  if (email.bulk === 'bulk-mail') return { allowed: false, outcome: 'rejected', reason: 'bulk-mail' };
  if (capture.address.mode === 'forward' && email.bulk === 'list-mail') {
    return { allowed: false, outcome: 'rejected', reason: 'list-mail' };
  }
  if (capture.address.mode === 'bcc') {
    if (!from) return { allowed: false, outcome: 'rejected', reason: 'sender-missing' };
    if (!isInternalAddress(capture.org, from)) {
      return { allowed: false, outcome: 'rejected', reason: 'sender-not-allowed' };
    }
    if (!senderAuthenticated(email, capture.org, from, verdicts)) {
      return { allowed: false, outcome: 'quarantined', reason: 'sender-not-authenticated' };
    }
  }
  return { allowed: true };
}

/**
 * On a `bcc` address the From header decides who owns the Task, so it must be proven, not just
 * not disproven (a DMARC FAIL is already quarantined before parsing; GRAY, i.e. no enforcing
 * DMARC record, proves nothing). The From is proven when:
 * - SES's DMARC verdict is PASS (DMARC itself checked alignment with the From domain), or
 * - SPF is PASS and the envelope MAIL FROM domain is aligned with the From domain, or
 * - DKIM is PASS and every DKIM-Signature `d=` domain is aligned with the From domain.
 * SES reports verdicts, not which domain passed: SPF is checked for the envelope sender (the
 * notification's mail.source), and a DKIM PASS may come from any one signature, so DKIM only
 * counts when no signature names another domain (an outsider could add a valid signature of
 * their own next to a broken one claiming ours). Aligned means relaxed alignment inside the
 * org: the domains are equal or one is a subdomain of the other, and both are internal.
 */
export function senderAuthenticated(
  email: CapturedEmail,
  org: ResolvedCapture['org'],
  from: string,
  verdicts: AuthVerdicts,
): boolean {
  if (verdicts.dmarc === 'PASS') return true;
  const fromDomain = domainOf(from);
  const aligned = (domain: string) =>
    domain !== '' &&
    isInternalAddress(org, `x@${domain}`) &&
    (isWithin(domain, fromDomain) || isWithin(fromDomain, domain));
  const mailFrom = email.envelope?.mailFrom ?? '';
  if (verdicts.spf === 'PASS' && mailFrom.includes('@') && aligned(domainOf(mailFrom))) return true;
  const dkimDomains = email.authentication?.dkimDomains ?? [];
  if (verdicts.dkim === 'PASS' && dkimDomains.length > 0 && dkimDomains.every(aligned)) return true;
  return false;
}

/**
 * Whether the From of a message is proven, whoever sent it (the sync stage's write rights use it
 * for mail through a `forward` address): SES's DMARC verdict is PASS, or SPF passes for an
 * envelope sender of the From's own domain, or DKIM passes and every signature is the From's own
 * domain. Strict alignment (the same domain): without the public suffix list a parent domain could
 * be a registry's. A `bcc` address needs more (senderAuthenticated) and never calls this.
 */
export function fromVerified(email: CapturedEmail, verdicts: AuthVerdicts): boolean {
  const from = email.from?.address;
  if (!from) return false;
  if (verdicts.dmarc === 'PASS') return true;
  const fromDomain = domainOf(from);
  const mailFrom = email.envelope?.mailFrom ?? '';
  if (verdicts.spf === 'PASS' && mailFrom.includes('@') && domainOf(mailFrom) === fromDomain) return true;
  const dkimDomains = email.authentication?.dkimDomains ?? [];
  return (
    verdicts.dkim === 'PASS' &&
    dkimDomains.length > 0 &&
    dkimDomains.every((d) => d.toLowerCase() === fromDomain)
  );
}

/** `domain` is `parent` or a subdomain of it. */
function isWithin(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
