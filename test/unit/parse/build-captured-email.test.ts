/**
 * The parse rules without MIME: a MimeReading made of plain values in, a CapturedEmail out.
 * (Every other parse test goes through parseEmail and real fixtures.)
 */
import { describe, expect, it } from 'vitest';
import { buildCapturedEmail } from '#shared/domain/parse/build-captured-email.ts';
import { DEFAULT_LIMITS } from '#shared/domain/parse/limits.ts';
import type { MimeReading } from '#shared/ports/mime-reader.ts';
import { org } from './helpers.ts';

function reading(partial: Partial<MimeReading>): MimeReading {
  return {
    from: null,
    sender: null,
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    subject: null,
    messageId: '<m@acme.example>',
    inReplyTo: null,
    references: [],
    date: null,
    contentType: 'text/plain',
    rawHeaders: new Map(),
    text: '',
    unwrappedHtmlText: null,
    attachedOriginal: null,
    attachments: [],
    invite: null,
    dkimDomains: [],
    size: 100,
    warnings: [],
    cutShort: [],
    ...partial,
  };
}

const context = { org, capture: null, envelope: null, limits: DEFAULT_LIMITS };

describe('buildCapturedEmail', () => {
  it('decides participants, direction, order numbers and masking from plain values', () => {
    const email = buildCapturedEmail(
      reading({
        from: { address: 'alice@acme.example', name: 'Alice' },
        to: [{ address: 'jane@globex.example', name: 'Jane' }],
        subject: 'Order ORD-10042',
        text: 'Card 4111 1111 1111 1111 on file for ORD-10042.',
      }),
      context,
    );
    expect(email.direction).toBe('outbound');
    expect(email.participants.map((p) => [p.role, p.address, p.internal])).toEqual([
      ['from', 'alice@acme.example', true],
      ['to', 'jane@globex.example', false],
    ]);
    expect(email.orderNumbers).toEqual(['ORD-10042']);
    expect(email.text).not.toContain('4111 1111 1111 1111');
    expect(email.kind).toBe('normal');
  });

  it('calls mail between colleagues internal, mail from outside inbound, and without an org unknown', () => {
    const alice = { address: 'alice@acme.example', name: 'Alice' };
    const bob = { address: 'bob@eu.acme.example', name: 'Bob' };
    const jane = { address: 'jane@globex.example', name: 'Jane' };
    expect(buildCapturedEmail(reading({ from: alice, to: [bob] }), context).direction).toBe('internal');
    expect(buildCapturedEmail(reading({ from: jane, to: [alice] }), context).direction).toBe('inbound');
    expect(
      buildCapturedEmail(reading({ from: alice, to: [jane] }), { ...context, org: null }).direction,
    ).toBe('unknown');
  });

  it('takes a sub-address target as an order number unless it is a Salesforce record id', () => {
    const capture = (target: string) => ({
      orgId: 'acme',
      address: 'x@capture.example.com',
      mode: 'bcc' as const,
      target,
    });
    const order = buildCapturedEmail(reading({}), { ...context, capture: capture('SO-104233') });
    expect(order.orderNumbers).toEqual(['SO-104233']);
    const record = buildCapturedEmail(reading({}), { ...context, capture: capture('0015g00000AbCdE') });
    expect(record.orderNumbers).toEqual([]);
  });

  it('reads the kind from the raw headers and asks for the unwrapped HTML only when the text hints at a forward', () => {
    let unwrapped = 0;
    const email = buildCapturedEmail(
      reading({
        from: { address: 'jane@globex.example', name: '' },
        subject: 'Out of office',
        rawHeaders: new Map([['auto-submitted', ' auto-replied']]),
        text: 'I am away until Monday.',
        unwrappedHtmlText: () => {
          unwrapped++;
          return '';
        },
      }),
      context,
    );
    expect(email.kind).toBe('auto-reply');
    expect(email.forwarded).toBeNull();
    expect(unwrapped).toBe(0);
  });

  it('takes a rule line for a forward hint only with an address at most two lines under it', () => {
    const conversions = (text: string) => {
      let unwrapped = 0;
      buildCapturedEmail(
        reading({
          subject: 'The Original Advantage',
          text,
          unwrappedHtmlText: () => {
            unwrapped++;
            return '';
          },
        }),
        context,
      );
      return unwrapped;
    };
    const rule = '-'.repeat(40);
    // A newsletter's footer: a rule, a run of blank lines, then contact lines.
    expect(
      conversions(`Offers\n${rule}\n\n \n\n \n\nWeb: www.shop.example\n email: sales@shop.example\n`),
    ).toBe(0);
    // Outlook's <hr> above a header block.
    expect(
      conversions(`Please log this.\n${rule}\n\nFrom: Jane Doe <jane@globex.example>\nSent: Monday\n`),
    ).toBe(1);
  });

  it('cuts the text to its budget and says so', () => {
    const email = buildCapturedEmail(reading({ text: 'x'.repeat(50) }), {
      ...context,
      limits: { maxTextChars: 10, maxForwardScanChars: 20 },
    });
    expect(email.text).toHaveLength(10);
    expect(email.textTruncated).toBe(true);
    expect(email.cutShort?.map((c) => c.code)).toEqual(['forward-scan-truncated', 'text-truncated']);
  });
});
