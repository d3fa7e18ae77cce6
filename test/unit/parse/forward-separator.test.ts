/**
 * The one-pass separator search in front of email-forward-parser must never miss a body the library
 * itself reads as a forward without a subject (that is the only reading it lets pass).
 */
import EmailForwardParser from 'email-forward-parser';
import { describe, expect, it } from 'vitest';
import { hasSeparatorLine } from '#shared/domain/parse/forwarded.ts';
import { asHtml, SHAPES } from './forward-shapes.ts';

const library = new EmailForwardParser();

describe('separator search before the forward library', () => {
  it('says no for mail without a separator line (so the library is really skipped)', () => {
    expect(hasSeparatorLine('Hi Jane,\n\nthe order ORD-20417 ships on Thursday.\n\nAlice')).toBe(false);
    expect(hasSeparatorLine('')).toBe(false);
  });

  it('finds every separator the library finds, in each client shape, CRLF, BOM and NBSP included', () => {
    let found = 0;
    for (const shape of SHAPES) {
      const variants = [
        shape.body,
        shape.body.replace(/\n/g, '\r\n'),
        `\uFEFF${shape.body}`,
        shape.body.replace(/ /g, '\u00A0'),
        asHtml(shape.body),
      ];
      for (const body of variants) {
        const reading = library.read(body);
        if (!reading.forwarded) continue;
        found++;
        expect(hasSeparatorLine(body), `${shape.name}: ${JSON.stringify(body.slice(0, 80))}`).toBe(true);
      }
    }
    // The shapes hold forwards with separators in many languages: the check above is not empty.
    expect(found).toBeGreaterThan(50);
  });
});
