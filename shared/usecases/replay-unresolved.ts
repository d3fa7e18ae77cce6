/**
 * Unresolved mail back to the sync stage: `capture replay --unresolved` for every waiting mail,
 * and a rep's reply to a notice for one, with the rep's choice applied first. The parsed copy is
 * what sync reads; the unresolved marker goes once the mail is on its way (sync writes it again
 * if the mail still finds nobody).
 */
import type { CapturedEmail } from '../domain/captured-email.ts';
import { describeError, PermanentError } from '../errors.ts';
import type { SyncMessage } from '../events/sync-message.ts';
import type { MailStore, MessageQueue } from '../ports/mail-store.ts';

export interface UnresolvedMail {
  orgId: string;
  sesMessageId: string;
  parsedKey: string;
}

export interface ReplayDeps {
  mail: Pick<MailStore, 'getParsed' | 'putParsed' | 'deleteUnresolved'>;
  syncQueue: MessageQueue;
}

/** `missing`: the parsed copy is gone (expired), with why; nothing was sent. */
export type ReplayResult = { replayed: true } | { replayed: false; missing: string };

/**
 * Sends one unresolved mail to the sync stage, changed by `change` when given. When its parsed
 * copy is gone nothing is sent and the marker stays for the operator to see.
 */
export async function replayUnresolvedMail(
  deps: ReplayDeps,
  item: UnresolvedMail,
  change?: (email: CapturedEmail) => CapturedEmail,
): Promise<ReplayResult> {
  let email: CapturedEmail;
  try {
    email = await deps.mail.getParsed(item.parsedKey);
  } catch (error) {
    if (error instanceof PermanentError) return { replayed: false, missing: describeError(error) };
    throw error;
  }
  if (change) {
    email = change(email);
    await deps.mail.putParsed(item.parsedKey, email);
  }
  const message: SyncMessage = {
    version: 1,
    orgId: item.orgId,
    sesMessageId: item.sesMessageId,
    parsedKey: item.parsedKey,
    messageId: email.messageId,
  };
  // The org's message group, as the parse stage sends it: a replay of thousands is shared out
  // fairly with other orgs' mail, and waits like any other mail for the org's API budget.
  await deps.syncQueue.send(message, { orgId: item.orgId }, { groupId: item.orgId });
  await deps.mail.deleteUnresolved(item.orgId, item.sesMessageId);
  return { replayed: true };
}
