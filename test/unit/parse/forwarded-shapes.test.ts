/**
 * Every forward and reply shape of forward-shapes.ts, as a plain-text message and as an HTML-only
 * message, through parseEmail: forwards credit the original sender, subject and date; replies
 * never give a forwarded original.
 */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { asHtml, ORIGINAL, SHAPES, type Shape } from './forward-shapes.ts';
import { mime } from './helpers.ts';

function message(shape: Shape, html: boolean): Buffer {
  return mime(
    {
      From: 'Alice Rep <alice@acme.example>',
      To: 'acme-inbox-3n8v5t2r6y1z@capture.example.com',
      Subject: shape.subject,
      'Message-ID': '<shape@acme.example>',
      'MIME-Version': '1.0',
      'Content-Type': `${html ? 'text/html' : 'text/plain'}; charset=utf-8`,
      'Content-Transfer-Encoding': '8bit',
    },
    html ? asHtml(shape.body) : shape.body,
  );
}

const cases = SHAPES.flatMap((shape) => [
  [`${shape.name} (plain)`, shape, false] as const,
  [`${shape.name} (HTML only)`, shape, true] as const,
]);

describe('forward and reply shapes', () => {
  it('covers every client family, as forwards and as replies', () => {
    const families = new Set(SHAPES.map((s) => s.name.split(' ')[0]));
    for (const family of [
      'apple-mail',
      'gmail',
      'thunderbird',
      'yahoo',
      'hubspot',
      'outlook-live',
      'new-outlook',
      'notes',
    ]) {
      expect(families).toContain(family);
    }
    expect(SHAPES.filter((s) => s.expect === null).length).toBeGreaterThan(50);
    expect(SHAPES.filter((s) => s.expect !== null).length).toBeGreaterThan(150);
  });

  it.each(cases)('%s', async (_name, shape, html) => {
    const email = await parseEmail(message(shape, html));
    if (shape.expect === null) {
      expect(email.forwarded).toBeNull();
      return;
    }
    expect(email.forwarded).not.toBeNull();
    const forwarded = email.forwarded!;
    expect(forwarded.source).toBe(html ? 'inline-html' : 'inline-text');
    expect(forwarded.from?.address ?? null).toBe(shape.expect.from);
    if (shape.expect.from) expect(forwarded.from?.name).toBe(shape.expect.name ?? ORIGINAL.from.name);
    expect(forwarded.subject).toBe(shape.expect.subject);
    expect(forwarded.date).toBe(shape.expect.date);
    if (shape.expect.to) expect(forwarded.to.map((a) => a.address)).toContain(ORIGINAL.to);
    expect(forwarded.text).toContain('Our dock closes at four.');
    if (shape.expect.from) {
      expect(email.participants).toContainEqual(
        expect.objectContaining({ role: 'forwarded-from', address: shape.expect.from }),
      );
    }
  });
});
