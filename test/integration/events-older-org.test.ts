/**
 * An older org through the local pipeline: no Enhanced Email and no Shared Activities. Mail of an
 * org configured for Enhanced Email fails, naming the missing setting, instead of quietly becoming
 * plain Tasks; a meeting invite's Event has its one WhoId and invitee rows only.
 */
import { describe, expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

const BCC = 'older-w2e4r6t8y1u3@capture.localhost';
const e2e = useE2e({
  allowTestVerdicts: true,
  registry: {
    captureDomain: 'capture.localhost',
    orgs: [
      {
        id: 'older',
        internalDomains: ['acme.example'],
        addresses: [{ token: 'older-w2e4r6t8y1u3', mode: 'bcc' }],
        defaultOwnerEmail: 'ops@acme.example',
        salesforce: { enhancedEmail: true },
      },
    ],
  },
  seed: { Organization: [{ SharedActivitiesEnabled: false, EnhancedEmailEnabled: false }] },
});
const outcomeOf = e2e.outcomeOf.bind(e2e);

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Capture tests//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:older-1@acme.example',
  'SEQUENCE:0',
  'DTSTAMP:20261120T080000Z',
  'DTSTART:20261203T150000Z',
  'DTEND:20261203T153000Z',
  'SUMMARY:Older org call',
  'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
  'ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example',
  "ATTENDEE;PARTSTAT=TENTATIVE:mailto:o'brien@globex.example",
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('an org without Enhanced Email and Shared Activities', () => {
  it('fails mail the registry wants as Enhanced Email with salesforce-permission-missing naming it', async () => {
    await e2e.send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      subject: 'Plain in an older org',
      messageId: '<older-mail-1@acme.example>',
      text: 'Hello Jane',
    });
    const outcome = await outcomeOf('<older-mail-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false });
    expect(outcome?.reason).toMatch(/^salesforce-permission-missing: Enhanced Email is off/);
    expect(
      (await e2e.sf.query("SELECT Id FROM Task WHERE Subject LIKE '%Plain in an older org%'")).totalSize,
    ).toBe(0);
  });

  it('writes an invite as an Event with its WhoId and invitee rows only', async () => {
    await e2e.send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: "Jane Doe <jane.doe@globex.example>, Sean O'Brien <o'brien@globex.example>",
      subject: 'Invitation: Older org call',
      messageId: '<older-invite-1@acme.example>',
      text: 'Invited.',
      icalEvent: { method: 'request', content: ICS },
    });
    const outcome = await outcomeOf('<older-invite-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created', reason: 'event-created' });
    const rows = (
      await e2e.sf.query<{ RelationId: string; Status: string }>(
        `SELECT RelationId, Status FROM EventRelation WHERE EventId = '${outcome?.taskId}'`,
      )
    ).records;
    // Invitees only: without Shared Activities EventRelation has no IsParent, IsWhat or IsInvitee.
    expect(rows.length).toBeGreaterThan(0);
  });
});
