/**
 * Keeps a bounded copy of the calendar parts of a message as mailparser streams them (it hands
 * text/calendar out as an attachment stream, inline alternative or not), then reads the invite
 * from the first part that has one: the body alternative before attached .ics files.
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Invite } from '../../domain/captured-email.ts';
import {
  type CalendarLimits,
  type CalendarPart,
  DEFAULT_CALENDAR_LIMITS,
  readInvite,
} from '../../domain/parse/calendar/read-invite.ts';

/** The fields of a mailparser attachment stream this needs. */
export interface StreamedPart {
  contentType?: string;
  filename?: string;
  contentDisposition?: string;
  headers?: Map<string, unknown>;
  /** A Readable (mailparser types it as a plain Stream). */
  content: NodeJS.EventEmitter;
}

const CALENDAR_TYPES = new Set(['text/calendar', 'application/ics', 'text/x-vcalendar', 'application/x-ics']);

export function isCalendarPart(part: Pick<StreamedPart, 'contentType' | 'filename'>): boolean {
  const type = (part.contentType ?? '').toLowerCase();
  return CALENDAR_TYPES.has(type) || /\.(?:ics|vcs)$/i.test(part.filename ?? '');
}

export class CalendarCapture {
  readonly #limits: CalendarLimits;
  readonly #parts: Promise<CalendarPart | null>[] = [];
  #skipped = 0;

  constructor(limits: Partial<CalendarLimits> = {}) {
    this.#limits = { ...DEFAULT_CALENDAR_LIMITS, ...limits };
  }

  /** Call for every attachment stream, before it is consumed; ignores parts that are not calendars. */
  watch(part: StreamedPart): void {
    if (!isCalendarPart(part)) return;
    if (this.#parts.length >= this.#limits.maxParts) {
      this.#skipped++;
      return;
    }
    const type = (part.contentType ?? '').toLowerCase();
    const source =
      type === 'text/calendar' && part.contentDisposition !== 'attachment' ? 'inline' : 'attachment';
    this.#parts.push(this.#collect(part, source));
  }

  async #collect(part: StreamedPart, source: CalendarPart['source']): Promise<CalendarPart | null> {
    const max = this.#limits.maxBytes;
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    part.content.on('data', (chunk: Buffer) => {
      if (kept >= max) {
        truncated = true;
        return;
      }
      const room = max - kept;
      if (chunk.length > room) truncated = true;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(piece);
      kept += piece.length;
    });
    try {
      await finished(part.content as Readable);
    } catch {
      return null; // The attachment reader reports unreadable parts.
    }
    const text = decode(Buffer.concat(chunks), paramOf(part, 'charset') ?? 'utf-8');
    return { text, truncated, source, method: paramOf(part, 'method') };
  }

  /** The message's invite, or null; warnings say what was cut or could not be read. */
  async invite(warnings: string[]): Promise<Invite | null> {
    if (this.#skipped > 0)
      warnings.push(`more than ${this.#limits.maxParts} calendar parts: the rest are ignored`);
    const parts = (await Promise.all(this.#parts)).filter((p): p is CalendarPart => p !== null);
    parts.sort((a, b) => Number(a.source === 'attachment') - Number(b.source === 'attachment'));
    for (const part of parts) {
      // Each part's work is bounded (readInvite); between parts the process answers signals.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const invite = readInvite(part, this.#limits, warnings, cpuMillis);
      if (invite) return invite;
    }
    return null;
  }
}

/** CPU time this process has used, in milliseconds: a busy machine does not eat an invite's budget. */
function cpuMillis(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function paramOf(part: StreamedPart, name: string): string | null {
  const header = part.headers?.get('content-type') as { params?: Record<string, string> } | undefined;
  const params = header?.params;
  return params && Object.hasOwn(params, name) ? (params[name] ?? null) : null;
}

/** iCalendar is UTF-8 by default (RFC 5545); honour another declared charset when the runtime knows it. */
function decode(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
