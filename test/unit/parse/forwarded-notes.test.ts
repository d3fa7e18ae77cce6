/**
 * The Lotus Notes forward reader (forwarded-notes.ts) on its own: header layouts, what is not a
 * header, and input built to make a careless scan slow (it must stay linear and bounded).
 */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { findNotesForward, hasNotesSeparator } from '#shared/domain/parse/forwarded-notes.ts';
import { mime } from './helpers.ts';

const SEPARATOR = '----- Forwarded by Ruth Mallory/Sales/ACME on 10/14/2026 10:02 AM -----';
const options = {
  subject: 'RE: Pallets',
  source: 'inline-text' as const,
  maxTextChars: 10_000,
  isHistory: () => false,
};
const read = (text: string) => findNotesForward(text, options);

describe('Notes forward reader', () => {
  it('reads the Outlook-style header Notes shows for mail from Exchange, with its Sent line', () => {
    const original = read(
      `${SEPARATOR}\n\nFrom:\t"Gibbons, Peter" <peter@initech.example>\nSent:\tWednesday, October 14, 2026 11:48 AM\nTo:\tMallory, Ruth; 'ruth.mallory@acme.example'\nSubject:\tRE: Pallets\n\nWe need 14.`,
    );
    expect(original).toMatchObject({
      from: { address: 'peter@initech.example', name: 'Gibbons, Peter' },
      to: [{ address: 'ruth.mallory@acme.example' }],
      subject: 'RE: Pallets',
      date: '2026-10-14T11:48:00.000Z',
      text: 'We need 14.',
    });
  });

  it('reads a header without a Subject line and takes the message subject, as Notes kept it', () => {
    const original = read(
      `${SEPARATOR}\n\n"Peter Gibbons" <peter@initech.example> on 10/14/2026 11:48 AM\nTo: ruth.mallory@acme.example\n\nWe need 14.`,
    );
    expect(original).toMatchObject({ from: { address: 'peter@initech.example' }, subject: 'RE: Pallets' });
  });

  it('reads a To list wrapped over several lines', () => {
    const original = read(
      `${SEPARATOR}\n\n"Peter Gibbons" <peter@initech.example> on 10/14/2026 11:48 AM\nTo: ruth.mallory@acme.example,\n    bill.lumbergh@initech.example\ncc: \nSubject: Pallets\n\nWe need 14.`,
    );
    expect(original?.to.map((a) => a.address)).toEqual([
      'ruth.mallory@acme.example',
      'bill.lumbergh@initech.example',
    ]);
  });

  it('names a Notes user without an address', () => {
    const original = read(
      `${SEPARATOR}\n\nPeter Gibbons/Ops/INITECH@INITECH on 10/14/2026 11:48 AM\nTo: Ruth Mallory/Sales/ACME@ACME\nSubject: Pallets\n\nWe need 14.`,
    );
    expect(original).toMatchObject({ from: null, to: [], date: '2026-10-14T11:48:00.000Z' });
  });

  it('is no forward when no header follows the separator, or the text has no separator', () => {
    expect(
      read(`${SEPARATOR}\n\nJust some text\nabout pallets\nand more\nand more\nand even more\n`),
    ).toBeNull();
    expect(read(`${SEPARATOR}\n`)).toBeNull();
    expect(
      read(
        'Forwarded by Ruth on Monday, without dashes.\n"P" <p@initech.example> on 10/14/2026\nTo: r@acme.example\nSubject: x',
      ),
    ).toBeNull();
    expect(
      read(
        '---- Forwarded by popular demand ----\n"P" <p@initech.example> on 10/14/2026\nTo: r@acme.example\nSubject: x',
      ),
    ).toBeNull();
    expect(
      read(
        '--- Forwarded by Ruth on 10/14/2026\n"P" <p@initech.example> on 10/14/2026\nTo: r@acme.example\nSubject: x',
      ),
    ).toBeNull();
  });

  it('leaves the decision about history above the separator to the caller', () => {
    const text = `Done.\n\n${SEPARATOR}\n\n"Peter Gibbons" <peter@initech.example> on 10/14/2026 11:48 AM\nTo: r@acme.example\nSubject: x\n\nBody`;
    expect(findNotesForward(text, { ...options, isHistory: (above) => above.includes('Done.') })).toBeNull();
    expect(findNotesForward(text, options)).not.toBeNull();
  });

  it('stays bounded on input built against it, through the parse stage', async () => {
    // Hundreds of separator-like lines (long dash runs, "on" forty times), a 10,000-character
    // line, 20,000 blank lines and a sender line of quotes and unclosed brackets: every line is
    // looked at a fixed number of times and long blank runs are squeezed before any scan.
    const lines = [
      ...Array.from(
        { length: 300 },
        (_, i) => `${'-'.repeat(30)} Forwarded by ${'on '.repeat(40)}${i} ${'-'.repeat(30)}x`,
      ),
      `${'-'.repeat(5)} Forwarded by x on y ${'-'.repeat(5)}`,
      `${'a '.repeat(5_000)}`,
      ...Array.from({ length: 20_000 }, () => ''),
      `From: ${'"'.repeat(900)}x${'"'.repeat(900)} <${'[mailto:'.repeat(100)}>`,
    ];
    const body = lines.join('\n');
    expect(hasNotesSeparator(body.slice(0, 100_000))).toBe(true);
    const hostile = await parseEmail(mime({ From: 'a@acme.example', Subject: 'RE: x' }, body));
    expect(hostile.forwarded).toBeNull();
    const blanks = `Hello\n${'\n'.repeat(90_000)}${SEPARATOR}\n"P" <p@initech.example> on 10/14/2026\nTo: r@acme.example\nSubject: x\n\nBody`;
    const far = await parseEmail(mime({ From: 'a@acme.example', Subject: 'x' }, blanks));
    expect(far.forwarded?.from?.address).toBe('p@initech.example');
  });
});
