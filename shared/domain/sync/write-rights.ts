/**
 * Who may write where: what a mail may touch in Salesforce, decided from where it came in and
 * what was proven about its sender, never from what it says about itself. One table, one row per
 * kind of mail; docs/security.md has the same table with the test that enforces each row.
 *
 * A `bcc` address only takes mail from the org's own people, proven by SES's verdicts (the intake
 * policy quarantines the rest). A `forward` address is public: anybody who writes to a routed
 * inbox reaches it, so its mail is an outsider's word unless its From is proven to be one of the
 * org's own people. Pure.
 */
import type { CapturedEmail } from '../captured-email.ts';

/** The kinds of mail, by address mode and sender proof. */
export type Trust = 'bcc' | 'forward-internal' | 'forward';

export interface WriteRights {
  /**
   * Whom the Task may be about: the mail's people (a forwarded original's sender first), or its
   * proven-or-not sender alone (their Contact or Lead).
   */
  who: 'participants' | 'sender';
  /**
   * The records the Task may be related to (WhatId from a sub-address, `ref:` id, order number or
   * thread, and its TaskRelations): any the mail names, or only those of the sender's Account.
   */
  records: 'any' | 'sender-account';
  /** Who owns the Task: the rep (an internal sender or recipient), or the address's default owner. */
  owner: 'rep' | 'address-default';
  /** May update, re-own or cancel an Event that exists: as its verified organizer or owner, or never. */
  changeEvents: 'organizer-or-owner' | 'never';
  /** May set a new Event's owner (once, as its verified internal organizer or attendee). */
  setsEventOwner: boolean;
}

/**
 * The table. Every row shares one more rule: a repeated Message-ID completes an earlier write
 * (adds the relations and files it lacks) only when it is a redelivery of the same stored message
 * (`origin.sourceDigest` equals the one recorded with the write); any other mail reusing the id is
 * a `duplicate` and touches nothing.
 */
export const WRITE_RIGHTS: Readonly<Record<Trust, Readonly<WriteRights>>> = {
  bcc: {
    who: 'participants',
    records: 'any',
    owner: 'rep',
    changeEvents: 'organizer-or-owner',
    setsEventOwner: true,
  },
  'forward-internal': {
    who: 'participants',
    records: 'any',
    owner: 'address-default',
    changeEvents: 'never',
    setsEventOwner: false,
  },
  forward: {
    who: 'sender',
    records: 'sender-account',
    owner: 'address-default',
    changeEvents: 'never',
    setsEventOwner: false,
  },
};

/** What is known of a mail's sender for deciding its rights. */
export interface MailTrust {
  trust: Trust;
  /** The From is proven (every `bcc` mail that reaches sync is; forward mail when its origin says so). */
  senderVerified: boolean;
  /** The From address (lower-case), or null. */
  from: string | null;
}

/**
 * A mail's trust. Mail without a capture context, or written before the parse stage recorded its
 * origin, gets the least: an unproven forward.
 */
export function trustOf(email: CapturedEmail): MailTrust {
  const from = email.from?.address.toLowerCase() ?? null;
  if (email.capture?.mode === 'bcc') return { trust: 'bcc', senderVerified: true, from };
  const senderVerified = email.origin?.senderVerified === true;
  const internal = email.participants.some((p) => p.role === 'from' && p.internal);
  return { trust: senderVerified && internal ? 'forward-internal' : 'forward', senderVerified, from };
}

export function rightsOf(email: CapturedEmail): Readonly<WriteRights> {
  return WRITE_RIGHTS[trustOf(email).trust];
}

/**
 * Whether a Task that exists with this capture id may be completed by this mail: only when it
 * was written from the same stored message (a redelivery or replay), proven by the digest
 * recorded with the write. Unknown on either side proves nothing.
 */
export function isSameStoredMessage(email: CapturedEmail, recorded: string | null | undefined): boolean {
  const own = email.origin?.sourceDigest;
  return typeof own === 'string' && own !== '' && own === recorded;
}
