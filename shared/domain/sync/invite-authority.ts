/**
 * Who may change a meeting's Event (write-rights.ts, the invite rows). A meeting belongs to its
 * organizer: its Event is keyed by (org, ORGANIZER, UID), so an invite naming another organizer is
 * another meeting. An invite may update, re-own or cancel an Event that exists only when its
 * sender is proven and is that organizer, or is a proven internal sender whose User owns the
 * Event, and only through a `bcc` address. The owner is set once, by the first proven internal
 * organizer or attendee; an Event written by anyone else (a forwarded copy) waits for one, with
 * the address's default owner and no SEQUENCE of its own, so that nobody else's SEQUENCE can lock
 * the real organizer out. Pure.
 */
import type { Invite } from '../captured-email.ts';
import type { MailTrust, WriteRights } from './write-rights.ts';

/** What Capture knows of an Event when an invite for it arrives. */
export interface EventState {
  id: string | null;
  /** The SEQUENCE written by the last invite that counted; null while nobody with the right has written it. */
  sequence: number | null;
  cancelled: boolean;
  deleted: boolean;
  ownerId: string | null;
  /** Found under the key used before the organizer was part of it: its organizer is not known. */
  legacy: boolean;
}

export interface InviteAuthority {
  /** May write an Event that exists (update, re-own once, cancel). */
  change: boolean;
  /** The User who becomes the Event's owner with this write; null leaves the owner as it is. */
  setsOwner: string | null;
  /** This invite's SEQUENCE is written and compared; otherwise the Event keeps none of it. */
  sequenceCounts: boolean;
  /** Why the sender may not change the Event (when `change` is false). */
  refusal: string | null;
}

const key15 = (id: string) => id.slice(0, 15);

/**
 * The sender's authority over the Event of `invite`. `fromUser` is the active User of the From
 * address when it is internal; `existing` the Event as found (null when there is none).
 */
export function inviteAuthority(
  sender: MailTrust,
  rights: Pick<WriteRights, 'changeEvents' | 'setsEventOwner'>,
  invite: Invite,
  fromUser: string | null,
  existing: EventState | null,
): InviteAuthority {
  const from = sender.senderVerified ? sender.from : null;
  const organizer = invite.organizer?.address.toLowerCase() ?? null;
  const isOrganizer = from !== null && from === organizer;
  const isAttendee = from !== null && invite.attendees.some((a) => a.address.toLowerCase() === from);
  const user = rights.setsEventOwner && from !== null ? fromUser : null;
  const canClaim = user !== null && (isOrganizer || isAttendee);
  if (!existing)
    return { change: true, setsOwner: canClaim ? user : null, sequenceCounts: canClaim, refusal: null };
  if (rights.changeEvents === 'never')
    return refused('an invite through a forward address never changes an Event that exists');
  const owns = user !== null && existing.ownerId !== null && key15(existing.ownerId) === key15(user);
  const claimed = existing.sequence !== null;
  if (claimed) {
    // The key holds the organizer; an Event found under the old key has no known organizer.
    if ((isOrganizer && !existing.legacy) || owns)
      return { change: true, setsOwner: null, sequenceCounts: true, refusal: null };
    return refused('only the meeting organizer or the owner of its Event may change it');
  }
  if (canClaim || owns)
    return { change: true, setsOwner: canClaim && !owns ? user : null, sequenceCounts: true, refusal: null };
  return refused('only a verified internal organizer or attendee may take over this Event');
}

function refused(refusal: string): InviteAuthority {
  return { change: false, setsOwner: null, sequenceCounts: false, refusal };
}
