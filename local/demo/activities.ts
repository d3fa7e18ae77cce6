/**
 * The demo's meeting invite (an Event, rescheduled once) and its Enhanced Email org (mail logged
 * as an EmailMessage whose own Task gets Capture's fields), and the tables that show them.
 */
import type { SendMailOptions } from 'nodemailer';
import type { SalesforceEmulator } from '../salesforce/server.ts';

type Send = (label: string, message: SendMailOptions) => Promise<unknown>;

function invite(sequence: number, day: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Capture demo//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    'UID:demo-quarterly-review@acme.example',
    `SEQUENCE:${sequence}`,
    'DTSTAMP:20261120T080000Z',
    `DTSTART;TZID=Europe/Berlin:${day}T093000`,
    `DTEND;TZID=Europe/Berlin:${day}T103000`,
    'SUMMARY:Globex quarterly review',
    'LOCATION:Globex HQ',
    'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
    'ATTENDEE;CN=Jane Doe;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example',
    'ATTENDEE;CN=Carl Buyer;PARTSTAT=NEEDS-ACTION:mailto:carl@globex.example',
    'ATTENDEE;CN=Bob Rep;PARTSTAT=TENTATIVE:mailto:bob@acme.example',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export async function sendActivities(send: Send, bcc: string, enhanced: string | undefined): Promise<void> {
  const meeting = (sequence: number, day: string): SendMailOptions => ({
    from: '"Alice Rep" <alice@acme.example>',
    to: '"Jane Doe" <jane.doe@globex.example>, "Carl Buyer" <carl@globex.example>',
    bcc,
    subject: 'Invitation: Globex quarterly review',
    messageId: `<demo-invite-${sequence}@acme.example>`,
    text: 'Let us review the quarter.',
    icalEvent: { method: 'request', content: invite(sequence, day) },
  });
  await send('a meeting invite (becomes an Event)', meeting(0, '20261201'));
  await send('the same meeting moved a day (SEQUENCE 1 updates the Event)', meeting(1, '20261202'));
  if (!enhanced) return;
  await send('a rep’s BCC to the Enhanced Email org (an EmailMessage and its own Task)', {
    from: '"Alice Rep" <alice@acme.example>',
    to: '"Carl Buyer" <carl@globex.example>',
    cc: '"Jane Doe" <jane.doe@globex.example>',
    bcc: enhanced,
    subject: 'Renewal terms for 2027 (ORD-10042)',
    messageId: '<demo-enhanced-1@acme.example>',
    text: 'Hi Carl,\n\nattached are the renewal terms we discussed.\n\nAlice',
  });
}

export function printActivities(emulator: SalesforceEmulator | null, name: (id: unknown) => string): void {
  if (!emulator) return;
  const table = (
    title: string,
    type: string,
    row: (r: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    console.log(title);
    console.table(
      emulator.records(type).map((r) => ({ Id: r.Id, Subject: String(r.Subject).slice(0, 40), ...row(r) })),
    );
  };
  table('Events in Salesforce', 'Event', (e) => ({
    Start: e.StartDateTime,
    Owner: name(e.OwnerId),
    Who: name(e.WhoId),
    What: name(e.WhatId),
    Sequence: e.Capture_Sequence__c,
  }));
  const relations = emulator.records('EmailMessageRelation');
  table('EmailMessages in Salesforce (Enhanced Email)', 'EmailMessage', (m) => ({
    From: m.FromAddress,
    To: m.ToAddress,
    Task: m.ActivityId,
    Relations: relations.filter((r) => r.EmailMessageId === m.Id).length,
  }));
}
