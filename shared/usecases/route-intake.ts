/**
 * The parse stage's first step: putting each mail in its org's line. SES notifies the intake
 * queue through SNS, and neither can set a message group, so a burst of one org's mail would sit
 * in front of every other org's in the intake queue. A notification straight from SES is
 * therefore sent on, unchanged, to the lines queue, with its org as `MessageGroupId` and the
 * `capture.org` attribute; the parse stage parses only mail that carries it. The lines queue is
 * an SQS fair queue per org, like the sync queue (docs/fairness.md). It is not the intake queue
 * itself: there, every new notification is a quiet tenant of its own, and mail waiting in a
 * busy org's line would wait for new mail to stop arriving.
 *
 * Routing reads the notification alone (the recipients): no S3 read, no parsing. Mail it cannot
 * read is not routed but parsed where it is, which records what is wrong with it.
 */
import { pipeline } from '../config/pipeline.ts';
import type { Registry } from '../config/registry.ts';
import { resolveRecipients } from '../domain/intake-policy.ts';
import { otherNotificationType, parseIntakeBody, receivedAtOf } from '../events/ses-notification.ts';
import type { DeadLetterQueue } from '../ports/mail-store.ts';
import { replyRecipientOf } from './notice-reply.ts';

/**
 * Lines of mail that belong to no org yet. Org ids are lower-case letters, digits and hyphens, so
 * these names, starting with `~`, are never an org's.
 */
export const intakeGroups = {
  /** Replies to notices: their org is known once the reply address is read from S3. */
  replies: '~replies',
  /** No recipient is a capture address: the parse stage rejects them. */
  unknown: '~unknown',
} as const;

/**
 * The line a notification's mail goes in: the org it is for (the first by id when it is for
 * several), a notice reply's line, or the line of mail for no org. Null: not a received-mail
 * notification this step can read; it is parsed where it is.
 */
export function intakeGroupOf(body: string, registry: Registry, now: Date = new Date()): string | null {
  if (otherNotificationType(body) !== null) return null;
  let recipients: string[];
  let at: Date;
  try {
    const notification = parseIntakeBody(body);
    recipients = notification.receipt.recipients;
    at = receivedAtOf(notification, () => now);
  } catch {
    return null;
  }
  if (replyRecipientOf(recipients, registry.captureDomain)) return intakeGroups.replies;
  const orgs = resolveRecipients(registry, recipients, at)
    .captures.map((c) => c.org.id)
    .sort();
  return orgs[0] ?? intakeGroups.unknown;
}

/** Whether a delivery has been put in its org's line already (it is parsed now). */
export function isRouted(attributes: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(attributes, pipeline.intakeRouteAttribute);
}

export interface RouteIntakeDeps {
  registry: Registry;
  /** The lines queue: one message group per org. */
  lines: DeadLetterQueue;
  now?: () => Date;
}

/**
 * Sends an unrouted notification to the lines queue in its org's group; resolves once SQS has it
 * (the delivery can then be acknowledged). Not routed: the body is not one to route.
 */
export async function routeIntake(
  body: string,
  deps: RouteIntakeDeps,
): Promise<{ routed: true; group: string } | { routed: false }> {
  const group = intakeGroupOf(body, deps.registry, deps.now?.() ?? new Date());
  if (group === null) return { routed: false };
  await deps.lines.sendOriginal(body, { [pipeline.intakeRouteAttribute]: group }, { groupId: group });
  return { routed: true, group };
}
