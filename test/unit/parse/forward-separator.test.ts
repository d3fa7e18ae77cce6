/**
 * The one-pass separator search in front of email-forward-parser must never miss a body the library
 * itself reads as a forward without a subject (that is the only reading it lets pass).
 */
import EmailForwardParser from 'email-forward-parser';
import { describe, expect, it } from 'vitest';
import { requiredRun, requiredWord } from '#shared/domain/parse/forward-separator.ts';
import { hasSeparatorLine } from '#shared/domain/parse/forwarded.ts';
import { asHtml, SHAPES } from './forward-shapes.ts';

const library = new EmailForwardParser();

describe('separator search before the forward library', () => {
  it('says no for mail without a separator line (so the library is really skipped)', () => {
    expect(hasSeparatorLine('Hi Jane,\n\nthe order ORD-20417 ships on Thursday.\n\nAlice')).toBe(false);
    expect(hasSeparatorLine('')).toBe(false);
  });

  it('takes from each pattern only a word every match must hold', () => {
    expect(requiredWord('^>?\\s*Begin forwarded message\\s?:')).toBe('Begin forwarded message');
    // A letter before a quantifier may be missing; escapes and classes are not words.
    expect(requiredWord('^\\s?Am\\s?.+\\s?schrieb\\s?\\".+\\"\\s*[\\[|<].+[\\]|>]\\s?:')).toBe('schrieb');
    expect(requiredWord('^Forwards?:')).toBe('Forward');
    // Inside a group or beside an alternative a word may be optional: no word, the pattern runs as it is.
    expect(requiredWord('^(?:Fwd|Fw):')).toBeNull();
    expect(requiredWord('^Sent( by)? Outlook')).toBeNull();
    expect(requiredWord('^\\s*_{32}\\s*$')).toBeNull();
  });

  it('takes from a pattern without a word a run of one character it must hold, so most text skips it', () => {
    expect(requiredRun('^\\s*_{32}\\s*$')).toBe('_'.repeat(32));
    // The fewest a range allows.
    expect(requiredRun('^-{8,10}\\s*Forwarded')).toBe('-'.repeat(8));
    // In a group or beside an alternative, escaped, in a class, or short: no run.
    expect(requiredRun('^(?:_{32})?$')).toBeNull();
    expect(requiredRun('^a|_{32}$')).toBeNull();
    expect(requiredRun('^\\_{32}$')).toBeNull();
    expect(requiredRun('^[_]{32}$')).toBeNull();
    expect(requiredRun('^_{2}$')).toBeNull();
    // The library's own rule line is still found, and text without the run is not.
    const ruleLine = `Hi\n\n${'_'.repeat(32)}\nFrom: Jane Doe <jane@x.example>\nSubject: Quote\n`;
    expect(hasSeparatorLine(ruleLine)).toBe(true);
    expect(library.read(ruleLine).forwarded).toBe(true);
    expect(hasSeparatorLine(`Hi\n\n${'_'.repeat(31)}\nFrom: Jane Doe <jane@x.example>\n`)).toBe(false);
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
