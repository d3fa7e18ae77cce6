/**
 * What Capture writes is clean whatever the mail held: no terminal escape sequences, control
 * characters or bidi overrides and isolates in EmailMessage fields or invite text (an Event's),
 * privacy rules on invites as on mail, and dates outside 1970..five years ahead left out.
 */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { emailMessageWrite } from '#shared/domain/sync/email-message-mapping.ts';
import { multiLine, saneDate, singleLine } from '#shared/domain/sync/sanitize.ts';
import type { TaskDraft } from '#shared/ports/crm.ts';
import { mime, org } from '../parse/helpers.ts';
import { email, emptyResult } from './support.ts';

/** Every kind of character a field must not carry. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNCLEAN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = 'Invoice \u001b[2J\u001b]0;pwned\u0007\u009b31m\u202egpj.exe\u2066x\u2069\u0000 done';

const task: TaskDraft = {
  Subject: 'Email: x',
  Description: 'x',
  Status: 'Completed',
  TaskSubtype: 'Email',
  ActivityDate: '2026-11-20',
  OwnerId: '0055g0000000002AAA',
  WhoId: null,
  WhatId: null,
  Capture_Id__c: 'a'.repeat(40),
  Order_Numbers__c: null,
  Capture_Source__c: null,
};

describe('clean text', () => {
  it('removes escape sequences whole, controls, bidi overrides and isolates', () => {
    expect(singleLine(HOSTILE)).toBe('Invoice gpj.exex done');
    expect(multiLine(`a\u001b[31mred\u001b[0m\r\nb\u2028c\td\u009d8;;x\u009c`)).toBe('ared\nb\nc\td');
  });

  it('dates outside 1970..five years from now are not used', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    const warnings: string[] = [];
    expect(saneDate('1601-01-01T00:00:00.000Z', now, (w) => warnings.push(w))).toBeNull();
    expect(saneDate('9999-12-31T00:00:00.000Z', now)).toBeNull();
    expect(saneDate('2031-12-31T00:00:00.000Z', now)).toBe('2031-12-31T00:00:00.000Z');
    expect(warnings).toEqual(['date 1601-01-01T00:00:00.000Z is outside 1970..2031: not used']);
  });
});

describe('the EmailMessage of a hostile mail', () => {
  it('has clean From name, Subject and body, and no MessageDate outside the sane range', () => {
    const mail = {
      ...email({ from: 'Mallory <mallory@globex.example>', subject: HOSTILE, text: `Line 1\r\n${HOSTILE}` }),
      date: '1601-01-01T00:00:00.000Z',
    };
    mail.from = { address: 'mallory@globex.example', name: `Mal\u202elory\u001b[1m` };
    const { message } = emailMessageWrite(mail, task, emptyResult(), false);
    for (const field of ['FromName', 'Subject', 'TextBody'] as const)
      expect(String(message[field]), field).not.toMatch(UNCLEAN);
    expect(message.FromName).toBe('Mallory');
    expect(message.Subject).toBe('Invoice gpj.exex done');
    expect(message.TextBody).toBe('Line 1\nInvoice gpj.exex done');
    expect(message.MessageDate).toBeNull();
  });
});

function inviteMail(summary: string, description: string, attendee = 'jane@globex.example') {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    'UID:clean@globex.example',
    'DTSTART:20260310T100000Z',
    'DTEND:20260310T110000Z',
    `SUMMARY:${summary}`,
    `LOCATION:${summary}`,
    `DESCRIPTION:${description}`,
    'ORGANIZER;CN="Jane\u202e Doe":mailto:jane@globex.example',
    `ATTENDEE;CN=Guest\u001b[31m:mailto:${attendee}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  return mime(
    {
      From: 'Alice Rep <alice@acme.example>',
      To: 'Jane Doe <jane@globex.example>',
      Subject: 'Invitation',
      Date: 'Mon, 02 Mar 2026 09:00:00 +0000',
      'Message-ID': '<clean@acme.example>',
      'MIME-Version': '1.0',
      'Content-Type': 'text/calendar; charset=utf-8; method=REQUEST',
    },
    ics,
  );
}

describe('an invite', () => {
  it('reaches the Event clean, with card numbers masked in its title, place and description', async () => {
    const parsed = await parseEmail(
      inviteMail(`${HOSTILE} 4111 1111 1111 1111`, 'Pay with 4111-1111-1111-1111\\nthanks\u001b[0m'),
      { org },
    );
    const invite = parsed.invite;
    expect(invite?.summary).toBe('Invoice gpj.exex done •••• •••• •••• 1111');
    expect(invite?.location).toBe(invite?.summary);
    expect(invite?.description).toBe('Pay with ••••-••••-••••-1111\nthanks');
    expect(invite?.organizer?.name).toBe('Jane Doe');
    expect(invite?.attendees[0]?.name).toBe('Guest');
    expect(parsed.warnings).toContain('3 payment card number(s) masked');
  });

  it('with the private tag in its title, or an excluded attendee, excludes the mail', async () => {
    const tagged = await parseEmail(inviteMail('Lunch #private', 'x'), { org });
    expect(tagged.excluded).toEqual({ reason: 'private-tag' });
    const lawyer = await parseEmail(inviteMail('Lunch', 'x', 'partner@lawyers.example'), { org });
    expect(lawyer.excluded).toEqual({ reason: 'excluded-domain' });
  });
});

describe('a mail dated before 1970', () => {
  it('has no date, and says why', async () => {
    const parsed = await parseEmail(
      mime({ From: 'a@globex.example', To: 'b@acme.example', Date: 'Mon, 1 Jan 1601 00:00:00 +0000' }, 'x'),
    );
    expect(parsed.date).toBeNull();
    expect(parsed.warnings).toContain('Date header is before 1970: ignored');
  });
});
