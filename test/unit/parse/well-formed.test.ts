/**
 * Lone UTF-16 surrogates from a mail (UTF-7 encoded words and parts can decode to one) leave the
 * parse stage replaced by U+FFFD in every string: addresses' names, subject, body, file names.
 * Each string of the CapturedEmail can then be URL-encoded, as the sync stage's queries do.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { wellFormed } from '#shared/domain/parse/well-formed.ts';
import { rawMail, runParseStage } from '../../support/parse-stage.ts';
import { FORWARD_TOKEN } from '../../support/registry.ts';

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

describe('lone surrogates', () => {
  it('are replaced in every string the parse stage hands on, and every string URL-encodes', async () => {
    const raw = rawMail(
      [
        'Message-ID: <utf7@globex.example>',
        'From: =?utf-7?Q?Mal+2D3-lory?= <mallory@globex.example>',
        'Cc: =?utf-7?B?KzJEMC0=?= <carl@globex.example>',
        'Subject: =?utf-7?Q?Order_+2D3-_ORD-10042?=',
        'Content-Type: multipart/mixed; boundary=b',
      ],
      [
        '--b',
        'Content-Type: text/plain; charset=utf-7',
        '',
        'Body +2D3- and +3gA- end',
        '--b',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment; filename="=?utf-7?Q?quote+2D3-.pdf?="',
        '',
        'zz',
        '--b--',
      ].join('\r\n'),
    );
    const [result] = await runParseStage([{ raw, recipient: `${FORWARD_TOKEN}@capture.example.com` }]);
    const email = result?.email as CapturedEmail;
    expect(email.from?.name).toBe('Mal\ufffdlory');
    expect(email.cc[0]?.name).toBe('\ufffd');
    expect(email.subject).toBe('Order \ufffd ORD-10042');
    expect(email.text).toContain('Body \ufffd and \ufffd end');
    expect(email.attachments[0]?.filename).toBe('quote\ufffd.pdf');
    for (const s of strings(email)) expect(() => encodeURIComponent(s), s).not.toThrow();
  });

  it('a pair stays a pair; either half alone becomes U+FFFD', () => {
    expect(wellFormed('a\ud83d\ude00b')).toBe('a\ud83d\ude00b');
    expect(wellFormed('\ud83d\ud83d\ude00\ude00')).toBe('\ufffd\ud83d\ude00\ufffd');
    expect(wellFormed('\ude00\ud83d')).toBe('\ufffd\ufffd');
  });
});
