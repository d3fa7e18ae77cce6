/**
 * The project's own fixtures, one per parse rule (test/fixtures/parse, described in
 * docs/parse-rules.md): each parsed through parseEmail with the values the rule promises.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { type CapturedEmail, CapturedEmailSchema } from '#shared/domain/captured-email.ts';
import { fixture } from './helpers.ts';

const jane = { address: 'jane.doe@globex.example', name: 'Jane Doe' };

/** Fixture → what parsing it must give. */
const RULES: Record<string, (email: CapturedEmail) => void> = {
  'gmail-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: { address: 'sean.obrien@globex.example' },
      subject: 'Question about PO 4711',
      date: '2026-11-16T10:12:00.000Z',
      source: 'inline-text',
    });
  },
  'german-gmail-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({ from: { address: 'juergen@kunde.example' }, subject: 'Bestellung' });
    expect(e.forwarded?.date).toBe('2026-11-16T10:12:00.000Z');
  },
  'outlook-html-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: { address: 'jane.doe@globex.example' },
      source: 'inline-html',
    });
  },
  'gmail-html-only-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: jane,
      to: [{ address: 'alice@acme.example' }],
      subject: 'Delivery window for ORD-20417',
      date: '2026-10-14T09:41:00.000Z',
      source: 'inline-html',
      text: 'Could the delivery move to Thursday?',
    });
    expect(e.attachments).toEqual([expect.objectContaining({ filename: 'logo.png', inline: true })]);
  },
  'apple-html-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: { address: 'juergen@kunde.example', name: 'Jürgen Müller' },
      subject: 'Angebot 4711',
      // "MESZ" is Central European Summer Time, two hours ahead of UTC.
      date: '2026-10-14T07:41:12.000Z',
      text: 'Anbei unser Angebot.',
    });
  },
  'outlook-html-only-forward-nbsp.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: { address: 'claire@client.example', name: 'Claire Petit' },
      subject: 'Commande 8812',
      date: '2026-10-14T09:41:00.000Z',
      text: 'Pouvez-vous confirmer la livraison ?',
    });
  },
  'thunderbird-html-forward.eml': (e) => {
    // The header block is a table with the labels in <th>; the subject has no forward prefix.
    expect(e.forwarded).toMatchObject({
      from: jane,
      subject: 'Delivery window',
      date: '2026-10-14T09:41:00.000Z',
      text: 'Could the delivery move?',
    });
  },
  'outlook-live-html-forward.eml': (e) => {
    // The rule above the block is an <hr>, read as Outlook's line of underscores.
    expect(e.forwarded).toMatchObject({
      from: jane,
      subject: 'Delivery window',
      date: '2026-10-14T09:41:00.000Z',
    });
  },
  'outlook-desktop-html-forward.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: jane,
      subject: 'Delivery window',
      text: 'Could the delivery move?',
    });
  },
  'gmail-html-reply-quoting-forward.eml': (e) => expect(e.forwarded).toBeNull(),
  'rfc822-attached.eml': (e) => {
    expect(e.forwarded).toMatchObject({
      from: { address: 'juergen@kunde.example', name: 'Jürgen Müller' },
      subject: 'Rechnung für Juni',
      date: '2026-11-16T09:12:00.000Z',
      messageId: '<inner@kunde.example>',
      source: 'attachment',
    });
    expect(e.attachments[0]).toMatchObject({
      filename: 'Rechnung für Juni.eml',
      contentType: 'message/rfc822',
    });
  },
  'reply-quote.eml': (e) => expect(e.forwarded).toBeNull(),
  'outlook-mac-reply.eml': (e) => {
    // "\uFEFFOn 14/10/2026 09:41, "Jane Doe" <…> wrote:" above the quote: a reply, not a forward.
    expect(e.forwarded).toBeNull();
    expect(e.text).toContain('Thursday works.');
  },
  'charset-cyrillic.eml': (e) => {
    expect(e.subject).toBe('Отгрузка 20417');
    expect(e.from).toEqual({ address: 'ivan@client.example', name: 'Иван Петров' });
    expect(e.text.trim()).toBe('Заказ 20417 отгружен.');
    expect(e.date).toBe('2026-10-14T06:41:00.000Z');
  },
  'charset-japanese.eml': (e) => {
    expect(e.subject).toBe('発送のお知らせ');
    expect(e.from?.name).toBe('山田太郎');
    expect(e.text.trim()).toBe('ご注文の品を発送しました。');
  },
  'raw-8bit-latin1.eml': (e) => expect(e.from?.name).toBe('José García'),
  'raw-8bit-undeclared.eml': (e) => expect(e.subject).toBe('Grüße'),
  'raw-8bit-encoded-word.eml': (e) => expect(e.subject).toBe('Die Hasen und die Frösche'),
  'utf7-subject.eml': (e) => expect(e.subject).toBe('Angebot für Auftrag ORD-55501 €'),
  'utf7-multipart.eml': (e) => expect(e.subject).toBe('Rätsel um 12 Uhr'),
  'raw-8bit-multipart-koi8.eml': (e) => expect(e.subject).toBe('Счёт 20417'),
  'duplicate-headers.eml': (e) => expect(e.from?.address).toBe('alice@acme.example'),
  'malformed-headers.eml': (e) => {
    // An mbox "From " line, white space before colons, comments in the address, a stray line
    // and an impossible date: read what can be read, say what could not.
    expect(e.from).toEqual(jane);
    expect(e.subject).toBe('Folded subject line');
    expect(e.messageId).toBe('<malformed@globex.example>');
    expect(e.date).toBeNull();
    expect(e.warnings).toEqual([
      '1 malformed header line(s) kept as continuation text',
      'Date header could not be read',
    ]);
  },
  'bounce.eml': (e) => expect(e.kind).toBe('bounce'),
  'bounce-null-return-path.eml': (e) => expect(e.kind).toBe('bounce'),
  'auto-reply.eml': (e) => expect(e.kind).toBe('auto-reply'),
  'auto-reply-vendor.eml': (e) => expect(e.kind).toBe('auto-reply'),
  'meeting-invite.eml': (e) => {
    expect(e.kind).toBe('normal');
    expect(e.forwarded).toBeNull();
    expect(e.text).toContain('You have been invited to Order review ORD-20417.');
    expect(e.attachments.map((a) => a.contentType)).toEqual(['text/calendar', 'application/ics']);
    expect(e.attachments[1]).toMatchObject({ filename: 'invite.ics', inline: false });
  },
  'attachments.eml': (e) => {
    expect(e.subject).toBe('Unterlagen 📎 für ORD-20417');
    expect(e.attachments.map((a) => [a.filename, a.contentType, a.inline])).toEqual([
      [null, 'image/png', true],
      ['Angebot für ACME.pdf', 'application/pdf', false],
      ['てすと.txt', 'text/plain', false],
    ]);
    expect(e.attachments[1]?.size).toBe(81);
  },
  'forward-chain.eml': (e) => {
    // A colleague's forward of a customer's mail, forwarded again: the customer's is the original.
    expect(e.forwarded).toMatchObject({ from: jane, subject: 'Order ORD-100101' });
    expect(e.forwarded?.text).toContain('delivery date');
  },
  'notes-dashed-forward.eml': (e) => {
    // A Notes forward keeps the original's "RE:": the separator, not the subject, says forwarded.
    expect(e.forwarded).toEqual({
      from: jane,
      to: [{ address: 'alice@acme.example', name: '' }],
      cc: [{ address: 'carl@globex.example', name: 'Carl Buyer' }],
      subject: 'RE: Delivery window for ORD-20417',
      date: '2026-10-13T16:15:22.000Z',
      messageId: null,
      source: 'inline-text',
      text: expect.stringMatching(/^Alice,\n\nCould the delivery for ORD-20417 move to Thursday\?/),
    });
  },
  'notes-tabbed-forward.eml': (e) => {
    // Sender and date on their own lines, "Please respond to", the labels indented with tabs.
    expect(e.forwarded).toMatchObject({
      from: { address: 'priya.natarajan@umbrella-freight.example', name: 'Priya Natarajan' },
      to: [{ address: 'ruth.mallory@acme.example' }],
      cc: [{ address: 'carl@globex.example' }],
      subject: 'Customs papers for shipment 5512',
      date: '2026-10-13T16:40:00.000Z',
    });
    expect(e.forwarded?.text).toMatch(/^Ruth,\n\nThe customs office/);
  },
  'notes-nested-forward.eml': (e) => {
    // Alice ← Tomas (a Notes name, no address) ← Ruth (a separator with no header) ← the customer.
    expect(e.forwarded).toMatchObject({
      from: { address: 'peter@initech.example', name: 'Peter Gibbons' },
      to: [{ address: 'ruth.mallory@acme.example' }],
      cc: [{ address: 'bill.lumbergh@initech.example', name: 'Lumbergh, Bill' }],
      date: '2026-10-14T11:48:09.000Z',
    });
    expect(e.forwarded?.text).toContain('We need 14 pallets');
    expect(e.participants.filter((p) => p.role.startsWith('forwarded')).map((p) => p.address)).toEqual([
      'peter@initech.example',
      'ruth.mallory@acme.example',
      'bill.lumbergh@initech.example',
    ]);
  },
  'notes-outlook-block-forward.eml': (e) => {
    // An Outlook header block under the Notes separator; "<addr <mailto:addr>>" and a quoted,
    // semicolon-separated Cc list read back to plain addresses.
    expect(e.forwarded).toMatchObject({
      from: { address: 'chidi.okafor@vandelay.example', name: 'Okafor, Chidi' },
      to: [{ address: 'bob@acme.example', name: 'Rep, Bob' }],
      cc: [
        { address: 'carl@globex.example', name: '' },
        { address: 'peter@initech.example', name: '' },
      ],
      subject: 'RE: Revised quote for the Vandelay line',
      date: '2026-10-14T09:41:00.000Z',
    });
  },
  'notes-user-outlook-original.eml': (e) => {
    // The Notes header names a colleague by Notes name only; the Outlook original inside carries
    // the customer, whose address Exchange wrapped in an IMCEANOTES address on its own domain.
    expect(e.forwarded).toMatchObject({
      from: { address: 'marta.lindqvist@hooli.example', name: 'Marta Lindqvist' },
      subject: 'Samples for the Hooli trial',
      date: '2026-10-15T16:02:00.000Z',
    });
    expect(e.forwarded?.text).toContain('two samples of the 40 mm fittings');
  },
  'exchange-encapsulated-forward.eml': (e) => {
    // Encapsulated addresses never win over the address they wrap, in the headers and in the block.
    expect(e.cc).toEqual([{ address: 'dock.office@globex.example', name: '' }]);
    expect(e.forwarded).toMatchObject({
      from: { address: 'jane.doe@globex.example', name: 'Doe, Jane' },
      to: [{ address: 'bob@acme.example' }, { address: 'carl@globex.example' }],
      cc: [{ address: 'peter@initech.example', name: 'Peter Gibbons' }],
      subject: 'Dock schedule for next week',
    });
    expect(e.participants.map((p) => p.address).filter((a) => /imcea|'|;/i.test(a))).toEqual([]);
  },
  'notes-html-forward.eml': (e) => {
    // Notes' HTML: the header is a table, its labels in their own cells without colons.
    expect(e.forwarded).toMatchObject({
      from: { address: 'hana.kobayashi@globex.example', name: 'Hana Kobayashi' },
      to: [{ address: 'alice@acme.example' }],
      subject: 'RE: Sample boxes for the Globex warehouse',
      date: '2026-10-13T16:15:00.000Z',
      source: 'inline-html',
    });
    expect(e.forwarded?.text).toContain('Could the next twenty come in December?');
  },
  'notes-reply-history.eml': (e) => {
    // A reply whose Notes history holds a forward separator: history above it, so no forward.
    expect(e.forwarded).toBeNull();
    expect(e.text).toContain('Done, Thursday is booked.');
  },
  'card-and-logo.eml': (e) => {
    expect(e.text).toContain('•••• •••• •••• 1111');
    expect(e.attachments[0]).toMatchObject({ inline: true });
  },
};

const folder = fileURLToPath(new URL('../../fixtures/parse/', import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith('.eml'));

describe('own fixtures, one per parse rule', () => {
  it('has a rule for every fixture', () => {
    expect(files.filter((name) => !(name in RULES))).toEqual([]);
  });

  it.each(Object.entries(RULES))('%s', async (name, check) => {
    const email = await parseEmail(fixture(name));
    expect(CapturedEmailSchema.safeParse(email).success).toBe(true);
    check(email);
  });
});
