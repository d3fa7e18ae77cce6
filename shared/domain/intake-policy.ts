/**
 * Intake policy: which org(s) a received message belongs to and whether it may be logged at all.
 * Pure: works on the SES receipt (recipients, verdicts) and, after parsing, on the CapturedEmail.
 */
import {
  type CaptureAddress,
  isInternalAddress,
  type Org,
  type RecipientRejectionReason,
  type Registry,
  resolveCaptureAddress,
} from '../config/registry.ts';
import type { CapturedEmail } from './captured-email.ts';

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
 * From; on a `bcc` address the From is what grants access, so it is quarantined too. On a
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

/**
 * Rules that need the parsed message: loop guards (auto-replies, bounces, our own notices) and
 * the sender rule of `bcc` addresses (only the org's own people may BCC; anyone may reach a
 * `forward` address, which routing rules feed).
 */
export function checkParsedMessage(
  email: CapturedEmail,
  capture: ResolvedCapture,
  captureDomain: string,
): PolicyDecision {
  if (email.kind === 'bounce') return { allowed: false, outcome: 'rejected', reason: 'bounce' };
  if (email.kind === 'auto-reply') return { allowed: false, outcome: 'rejected', reason: 'auto-reply' };
  const from = email.from?.address ?? null;
  if (from && domainOf(from) === captureDomain) {
    return { allowed: false, outcome: 'rejected', reason: 'loop-own-domain' };
  }
  if (capture.address.mode === 'bcc') {
    if (!from) return { allowed: false, outcome: 'rejected', reason: 'sender-missing' };
    if (!isInternalAddress(capture.org, from)) {
      return { allowed: false, outcome: 'rejected', reason: 'sender-not-allowed' };
    }
  }
  return { allowed: true };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
