/**
 * An outside corpus of real-world messages (public parser test suites), run only when
 * CAPTURE_CORPUS=<dir> names it: every message gives a schema-valid CapturedEmail or a clean
 * UnreadableEmailError. The repository's own fixtures (test/fixtures/parse) cover every rule
 * without it; `.ci/run` sets the variable when the corpus sits beside the clone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEmail, UnreadableEmailError } from '#shared/adapters/mime/parse-email.ts';
import { CapturedEmailSchema } from '#shared/domain/captured-email.ts';

const root = process.env.CAPTURE_CORPUS ? resolve(process.env.CAPTURE_CORPUS) : null;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /^(LICENSE|SOURCE_COMMIT|README\.md)$/.test(name) ? [] : [path];
  });
}

const corpus = root ? files(root) : [];

describe.skipIf(root === null)('outside corpus (CAPTURE_CORPUS)', () => {
  const dir = root ?? '';

  it('holds messages', () => {
    expect(corpus.length).toBeGreaterThan(0);
  });

  it.each(corpus.map((f) => [relative(dir, f), f]))('%s gives a clean answer', async (_name, path) => {
    try {
      const email = await parseEmail(readFileSync(path));
      expect(CapturedEmailSchema.safeParse(email).success).toBe(true);
      expect(JSON.stringify(email)).not.toMatch(/\\ufffd\\ufffd\\ufffd\\ufffd/i);
    } catch (error) {
      expect(error).toBeInstanceOf(UnreadableEmailError);
    }
  });

  const parse = (name: string) => parseEmail(readFileSync(join(dir, name)));
  // The golden values below belong to the public suites the project's corpus is made of.
  const known = existsSync(join(dir, 'mikel-mail')) && existsSync(join(dir, 'postal-mime'));

  it.skipIf(!known)(
    'reads the attached message of attachment_message_rfc822.eml as the forwarded original',
    async () => {
      const email = await parse('mikel-mail/attachment_emails/attachment_message_rfc822.eml');
      expect(email.subject).toBe('testing');
      expect(email.from?.address).toBe('foo@example.com');
      expect(email.forwarded).toMatchObject({
        from: { address: 'xxxx@xxxx.com', name: 'Test Tester' },
        subject: 'Another PDF',
        source: 'attachment',
      });
      expect(email.attachments[0]).toMatchObject({
        filename: 'ForwardedMessage.eml',
        contentType: 'message/rfc822',
      });
    },
  );

  it.skipIf(!known)('golden: subjects, senders, ids and attachments of several corpus files', async () => {
    const pdf = await parse('mikel-mail/attachment_emails/attachment_pdf.eml');
    expect(pdf.subject).toBe('Another PDF with 🎉 Unicode chars in it 🍿');
    expect(pdf.attachments).toEqual([
      expect.objectContaining({ filename: 'broken.pdf', contentType: 'application/pdf', inline: false }),
    ]);

    const nonAscii = await parse('mikel-mail/attachment_emails/attachment_nonascii_filename.eml');
    expect(nonAscii.attachments[0]?.filename).toBe('ciële.txt');

    const japanese = await parse('mikel-mail/multi_charset/japanese_attachment.eml');
    expect(japanese.attachments[0]?.filename).toBe('てすと.txt');

    const obsolete = await parse('mikel-mail/rfc2822/example13.eml');
    expect(obsolete.from).toEqual({ address: 'jdoe@machine.example', name: 'John Doe' });
    expect(obsolete.subject).toBe('Saying Hello');
    expect(obsolete.messageId).toBe('<1234@local.machine.example>');

    const comments = await parse('mikel-mail/rfc2822/example10.eml');
    expect(comments.from?.address).toBe('pete@silly.test');

    const latin = await parse('mikel-mail/error_emails/invalid_subject_characters.eml');
    expect(latin.subject).toBe('Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro');

    const bounce = await parse('postal-mime/bounce.eml');
    expect(bounce.kind).toBe('bounce');
    expect(bounce.messageId).toBe('<20221010053722.37BD05C00A2@mailout.nyi.internal>');

    const badDate = await parse('mikel-mail/plain_emails/raw_email_with_bad_date.eml');
    expect(badDate.date).toBeNull();
    expect(badDate.warnings).toContain('Date header could not be read');

    const forward = await parse('mikel-mail/mime_emails/raw_email2.eml');
    expect(forward.forwarded?.from?.address).toBe('xxxxxxxx@xxx.com');
  });
});
