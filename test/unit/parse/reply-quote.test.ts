import { describe, expect, it } from 'vitest';
import { findQuoteHeader, strippedSubject, subjectIntent } from '#shared/domain/parse/reply-quote.ts';

describe('what a subject says a message is', () => {
  it.each([
    ['Re: Offer', 'reply'],
    ['RE : Offre', 'reply'],
    ['AW: Angebot', 'reply'],
    ['SV: Tilbud', 'reply'],
    ['Antw: Offerte', 'reply'],
    ['R: Offerta', 'reply'],
    ['RES: Proposta', 'reply'],
    ['Odp: Oferta', 'reply'],
    ['回复：报价', 'reply'],
    ['Re[2]: Offer', 'reply'],
    ['[EXTERNAL] RE: Offer', 'reply'],
    ['Re: Fwd: Offer', 'reply'],
    ['Fwd: Re: Offer', 'forward'],
    ['FW: Offer', 'forward'],
    ['WG: Angebot', 'forward'],
    ['TR : Offre', 'forward'],
    ['RV: Oferta', 'forward'],
    ['I: Offerta', 'forward'],
    ['ENC: Proposta', 'forward'],
    ['Redir.: Ofertă', 'forward'],
    ['İLT: Teklif', 'forward'],
    ['[ext] FW: Offer', 'forward'],
    ['转发：报价', 'forward'],
    ['Offer: 20% off', null],
    ['Invoice 4711', null],
    ['', null],
  ])('%s → %s', (subject, intent) => {
    expect(subjectIntent(subject)).toBe(intent);
  });

  it('strips leading prefixes and tags', () => {
    expect(strippedSubject('FW: RE: Offer')).toBe('Offer');
    expect(strippedSubject('[EXTERNAL] İLT: Teklif')).toBe('Teklif');
    expect(strippedSubject('Offer: 20% off')).toBe('Offer: 20% off');
    expect(strippedSubject('FW:')).toBeNull();
  });
});

describe('reply quote headers', () => {
  it.each([
    'On 28/10/2021 12:46, "John Doe" <john@x.example> wrote:',
    '\uFEFFOn 28/10/2021 12:46, "John Doe" <john@x.example> wrote:',
    'Le 28/10/2021 12:46, « John Doe » <john@x.example> a écrit :',
    'Am 28.10.2021 um 12:46 schrieb John Doe <john@x.example>:',
    'El mié, 27 oct 2021 a las 9:31, John Doe (<john@x.example>) escribió:',
    'Dnia 28/10/2021 „John Doe” <john@x.example> napisał:',
    '"John Doe" <john@x.example>, 28/10/2021 tarihinde şunu yazdı:',
    '> On 14 Oct 2026, at 09:41, John Doe <john@x.example> wrote:',
    'John Doe <john@x.example> 于2026年10月14日周三 上午9:41写道：',
  ])('finds %s', (line) => {
    expect(findQuoteHeader(`Thanks.\n\n${line}\n\n> quoted`)).toBe(9);
  });

  it('finds a header Gmail wrapped before "wrote:"', () => {
    expect(
      findQuoteHeader('Hi\nOn Wed, Oct 14, 2026 at 9:41 AM John Doe <john@x.example>\nwrote:\n> q'),
    ).toBe(3);
    // Trailing whitespace after the colon, CRLF line ends, and a full-width colon.
    expect(
      findQuoteHeader('Hi\r\nOn Wed, Oct 14, 2026 at 9:41 AM John Doe <john@x.example>\r\nwrote: \t\r\n> q'),
    ).toBe(3);
    expect(
      findQuoteHeader('Hi\nJohn Doe <john@x.example> 于2026年10月14日周三 上午9:41\n写道：  \n> q'),
    ).toBe(3);
    // The next line must end the header: a colon in it is not enough.
    expect(
      findQuoteHeader('Hi\nOn Wed, Oct 14, 2026 at 9:41 AM John Doe <john@x.example>\nwrote: yes\n'),
    ).toBe(-1);
  });

  it.each([
    'From: John Doe <john@x.example>',
    'John wrote:',
    'Please write to john@x.example about this',
    'He wrote to john@x.example: yes',
  ])('does not take %s for one', (line) => {
    expect(findQuoteHeader(`Thanks.\n${line}\nMore text`)).toBe(-1);
  });
});
