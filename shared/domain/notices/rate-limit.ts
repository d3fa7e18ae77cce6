/**
 * What Capture remembers per rep it writes to, and the rate limit: at most one notice per rep per
 * window (10 minutes); what comes later in the window is held and folded into one digest sent
 * when the window ends. Answers to a rep's own reply are never held and start no window. Pure:
 * the notices function stores the state and schedules the flush this decides.
 */
import type { NoticeItem } from './notice-text.ts';

export interface RecipientState {
  /** The rep's address, lower case. */
  address: string;
  /** The rep replied `stop`. */
  stoppedAt: string | null;
  /** SES reported a permanent bounce or a complaint: never written to again. */
  bouncedAt: string | null;
  complainedAt: string | null;
  /** When the last notice that counts for the rate limit went out. */
  lastSentAt: string | null;
  /** Notices waiting for the end of the window. */
  held: NoticeItem[];
  /** Held beyond HELD_MAX: not listed, counted in the digest. */
  heldDropped: number;
  /** When the held notices go out (the window's end); null when nothing is held. */
  flushAt: string | null;
}

/** Notices one folded digest lists; later ones in the same window are only counted. */
export const HELD_MAX = 50;

export function newRecipient(address: string): RecipientState {
  return {
    address: address.toLowerCase(),
    stoppedAt: null,
    bouncedAt: null,
    complainedAt: null,
    lastSentAt: null,
    held: [],
    heldDropped: 0,
    flushAt: null,
  };
}

/** Why Capture does not write to this rep; null when it may. */
export function silencedBecause(state: RecipientState): 'stopped' | 'bounced' | 'complained' | null {
  if (state.bouncedAt) return 'bounced';
  if (state.complainedAt) return 'complained';
  if (state.stoppedAt) return 'stopped';
  return null;
}

export interface Admission {
  /** Send these now (one notice, or a digest of several); null when the item is held. */
  send: NoticeItem[] | null;
  /** Listed nowhere: how many more were held than a digest lists. */
  more: number;
  state: RecipientState;
  /** Set when a flush must be scheduled for this moment (the first item held in a window). */
  flushAt: Date | null;
}

export function admit(
  state: RecipientState,
  item: NoticeItem,
  options: { answer: boolean; now: Date; windowMs: number },
): Admission {
  const { now, windowMs } = options;
  if (options.answer) return { send: [item], more: 0, state, flushAt: null };
  const last = state.lastSentAt ? Date.parse(state.lastSentAt) : null;
  if (last === null || now.getTime() - last >= windowMs) {
    // A window that ended before its flush arrived: what it held goes out with this one.
    const send = [...state.held, item];
    return {
      send,
      more: state.heldDropped,
      state: { ...state, lastSentAt: now.toISOString(), held: [], heldDropped: 0, flushAt: null },
      flushAt: null,
    };
  }
  const full = state.held.length >= HELD_MAX;
  const flushAt = state.flushAt ?? new Date(last + windowMs).toISOString();
  return {
    send: null,
    more: 0,
    state: {
      ...state,
      held: full ? state.held : [...state.held, item],
      heldDropped: state.heldDropped + (full ? 1 : 0),
      flushAt,
    },
    flushAt: state.flushAt ? null : new Date(flushAt),
  };
}

export interface Flush {
  send: NoticeItem[] | null;
  more: number;
  state: RecipientState;
  /** The flush came before the window's end (an early delivery): schedule it again for this. */
  again: Date | null;
}

export function flushHeld(state: RecipientState, now: Date): Flush {
  if (state.held.length === 0)
    return { send: null, more: 0, state: { ...state, flushAt: null }, again: null };
  const due = state.flushAt ? Date.parse(state.flushAt) : now.getTime();
  if (now.getTime() < due) return { send: null, more: 0, state, again: new Date(due) };
  return {
    send: state.held,
    more: state.heldDropped,
    state: { ...state, lastSentAt: now.toISOString(), held: [], heldDropped: 0, flushAt: null },
    again: null,
  };
}
