/** Header repair on the project's own fixtures: one fixture per rule. */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { fixture } from './helpers.ts';

describe('header repair', () => {
  it('decodes raw 8-bit bytes inside an encoded word once, in the charset the word declares', async () => {
    const email = await parseEmail(fixture('raw-8bit-encoded-word.eml'));
    expect(email.subject).toBe('Die Hasen und die Frösche');
    expect(email.from).toEqual({ address: 'juergen@kunde.example', name: 'Jürgen Weiß' });
    expect(email.text.trim()).toBe('Grüße aus München.');
    expect(email.warnings).toContain('1 encoded header(s) held raw 8-bit bytes: decoded in their charset');
  });

  it('decodes a raw-byte encoded word and leaves the ordinary encoded word beside it to the MIME parser', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@acme.example\r\nSubject: =?windows-1252?B?'),
      Buffer.from(Buffer.from([0x80, 0x20, 0x35]).toString('base64')),
      Buffer.from('?= =?iso-8859-1?Q?Fr'),
      Buffer.from([0xf6]),
      Buffer.from('sche?=\r\n\r\nhi\r\n'),
    ]);
    const email = await parseEmail(raw);
    expect(email.subject).toBe('€ 5Frösche');
  });

  it('decodes a bare UTF-7 Subject when the message declares UTF-7', async () => {
    const email = await parseEmail(fixture('utf7-subject.eml'));
    expect(email.subject).toBe('Angebot für Auftrag ORD-55501 €');
    expect(email.text.trim()).toBe('Der Preis beträgt 120 €.');
    expect(email.warnings).toContain('UTF-7 header text decoded');
  });

  it('takes the charset of the first part when a multipart message declares none at the top', async () => {
    const utf7 = await parseEmail(fixture('utf7-multipart.eml'));
    expect(utf7.subject).toBe('Rätsel um 12 Uhr');
    expect(utf7.text.trim()).toBe('Lösung anbei.');
    const koi8 = await parseEmail(fixture('raw-8bit-multipart-koi8.eml'));
    expect(koi8.subject).toBe('Счёт 20417');
    expect(koi8.from).toEqual({ address: 'ivan@client.example', name: 'Иван' });
    expect(koi8.warnings).toContain('raw 8-bit header bytes decoded as koi8-r');
  });

  it('leaves a plus sign alone in a message that is not UTF-7', async () => {
    const raw = Buffer.from('From: a@acme.example\r\nSubject: C+AKM- and A+B-\r\n\r\nhi\r\n');
    expect((await parseEmail(raw)).subject).toBe('C+AKM- and A+B-');
  });

  it('takes the first From when a message has two', async () => {
    const email = await parseEmail(fixture('duplicate-headers.eml'));
    expect(email.from).toEqual({ address: 'alice@acme.example', name: 'Alice' });
    expect(email.participants.map((p) => p.address)).not.toContain('mallory@evil.example');
    expect(email.warnings).toContain('duplicate from header: the first one is used');
  });

  it('reads raw 8-bit headers in the charset the message declares', async () => {
    const email = await parseEmail(fixture('raw-8bit-latin1.eml'));
    expect(email.from?.name).toBe('José García');
    expect(JSON.stringify(email)).not.toContain('\uFFFD');
  });
});
