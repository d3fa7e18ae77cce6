/**
 * Text from a mail used as a key: every name a plain JavaScript object answers to
 * (Object.prototype's own properties) as a charset, content type, header name, HTML tag,
 * calendar value, capture token, sub-address target and record id, through the parse Lambda's
 * handler (stream input, as from S3) and the registry lookups. Each mail ends in a clean outcome
 * of its own; nothing throws, nothing is dead-lettered, the good mail beside them is captured.
 */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseRegistry, resolveCaptureAddress } from '#shared/config/registry.ts';
import { ianaZoneOf } from '#shared/domain/parse/calendar/time-zones.ts';
import { isRecordId, isWhatRecordId, whatTypeOf } from '#shared/domain/record-id.ts';
import { isRefId, refIdsOf } from '#shared/domain/sync/record-ref.ts';
import { type BatchMail, rawMail, runParseStage } from '../../support/parse-stage.ts';
import { BCC_TOKEN, registryInput, testRegistry } from '../../support/registry.ts';

const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
const DOMAIN = 'capture.example.com';

/** The same name in every place of a mail where Capture reads text as a key. */
function mailsNaming(n: string, i: number): BatchMail[] {
  const id = (shape: string) => `Message-ID: <${shape}-${i}@globex.example>`;
  const calendar = [
    'BEGIN:VCALENDAR',
    `METHOD:${n}`,
    'VERSION:2.0',
    'BEGIN:VEVENT',
    `UID:${n}`,
    `DTSTART;TZID=${n}:20260310T100000`,
    `DURATION:PT1H`,
    'ORGANIZER;CN=Jane:mailto:jane.doe@globex.example',
    `ATTENDEE;PARTSTAT=${n};ROLE=${n};CUTYPE=${n};CN=${n}:mailto:alice@acme.example`,
    `STATUS:${n}`,
    `X-${n}:${n}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  return [
    rawMail(
      [
        id('body-charset'),
        'Subject: body charset',
        `Content-Type: text/plain; charset=${n}`,
        'Content-Transfer-Encoding: 8bit',
      ],
      'Gr\xfc\xdfe',
    ),
    rawMail([id('word'), `Subject: =?${n}?Q?Gr=FC=DFe?= =?${n}?B?R3LDvMOfZQ==?= =?${n}?Q?Gr\xfc\xdfe?=`]),
    rawMail([id('header-bytes'), 'Subject: Gr\xfc\xdfe', `Content-Type: text/plain; charset="${n}"`]),
    rawMail([id('type'), 'Subject: content type', `Content-Type: ${n}/${n}; ${n}=${n}`]),
    rawMail([id('text-type'), 'Subject: text subtype', `Content-Type: text/${n}`]),
    rawMail([
      id('header-name'),
      'Subject: header names',
      `${n}: value`,
      `${n.toLowerCase()}: value`,
      `X-${n}: ${n}`,
    ]),
    rawMail(
      [id('html'), 'Subject: html', `Content-Type: text/html; charset=${n}`],
      `<${n}>tag</${n}><p ${n}="${n}">attribute &${n}; <${n.toUpperCase()}>loud</${n.toUpperCase()}></p>`,
    ),
    rawMail(
      [id('parts'), 'Subject: parts', `Content-Type: multipart/mixed; boundary=b; ${n}=1`],
      [
        '--b',
        `Content-Type: text/plain; charset=${n}; ${n}=2`,
        '',
        'Gr\xfc\xdfe',
        '--b',
        `Content-Type: application/${n}; name=${n}`,
        `Content-Disposition: attachment; filename="${n}"; ${n}=x`,
        `Content-Transfer-Encoding: ${n}`,
        '',
        'zzz',
        '--b',
        `Content-Type: text/calendar; method=${n}; charset=${n}`,
        '',
        calendar,
        '--b--',
      ].join('\r\n'),
    ),
    { raw: rawMail([id('token'), 'Subject: token']), recipient: `${n}@${DOMAIN}` },
    { raw: rawMail([id('target'), `Subject: ref: ${n}`]), recipient: `${BCC_TOKEN}+${n}@${DOMAIN}` },
  ];
}

describe('names every object inherits, read from a mail', () => {
  it('end each mail of one batch in its own clean outcome, and the good mail beside them is captured', async () => {
    const hostile = NAMES.flatMap(mailsNaming);
    const good = rawMail(
      ['Message-ID: <good@acme.example>', 'Subject: The good one'],
      'Order ORD-10042 is ready',
    );
    const results = await runParseStage([...hostile, good], {
      registry: testRegistry({ captureDomain: DOMAIN }),
    });

    for (const r of results) {
      expect(r.retried, r.sesMessageId).toBe(false);
      expect(r.deadLetter, r.sesMessageId).toBeNull();
      // Either handed to the sync stage or ended here with a reason.
      expect(r.email !== null || (r.outcome !== null && r.outcome.reason !== null), r.sesMessageId).toBe(
        true,
      );
    }
    const tokens = results.filter((_, k) => k < hostile.length && k % 10 === 8);
    expect(tokens.map((r) => r.outcome?.reason)).toEqual(NAMES.map(() => 'unknown-token'));
    const last = results.at(-1)!;
    expect(last.email?.subject).toBe('The good one');
    expect(last.email?.text).toContain('ORD-10042');
  });

  it('are no charset, time zone, record id or capture address', () => {
    const registry = testRegistry({ captureDomain: DOMAIN });
    for (const n of NAMES) {
      expect(iconv.encodingExists(n), n).toBe(false);
      expect(() => iconv.decode(Buffer.from('abc'), n), n).toThrow(/Encoding not recognized/);
      expect(ianaZoneOf(n), n).toBeNull();
      expect(whatTypeOf(n.padEnd(15, '0')), n).toBe('unknown');
      expect([isRecordId(n), isWhatRecordId(n), isRefId(n)], n).toEqual([false, false, false]);
      expect(refIdsOf(`ref: ${n}`, `ref: ${n}`), n).toEqual([]);
      for (const address of [`${n}@${DOMAIN}`, `${BCC_TOKEN}+${n}@${DOMAIN}`, `${n}+${n}@${DOMAIN}`]) {
        const resolved = resolveCaptureAddress(registry, address);
        if (address.startsWith(BCC_TOKEN)) expect(resolved.ok && resolved.target, n).toBe(n);
        else expect(resolved, n).toMatchObject({ ok: false, reason: 'unknown-token' });
      }
    }
  });

  it('as org ids and tokens: refused by the registry schema with a message, or kept apart like any other', () => {
    for (const n of NAMES) {
      const input = registryInput({
        captureDomain: DOMAIN,
        orgs: [
          {
            id: n,
            internalDomains: ['initech.example'],
            defaultOwnerEmail: 'ops@initech.example',
            addresses: [{ token: `${n}-k7q2m9x4p8w3`, mode: 'bcc' }],
          },
        ],
      });
      let registry: ReturnType<typeof parseRegistry>;
      try {
        registry = parseRegistry(input);
      } catch (error) {
        expect((error as Error).message, n).toMatch(/orgs/);
        continue;
      }
      const resolved = resolveCaptureAddress(registry, `${n}-k7q2m9x4p8w3@${DOMAIN}`);
      expect(resolved.ok && resolved.org.id, n).toBe(n);
      expect(resolveCaptureAddress(registry, `${n}@${DOMAIN}`), n).toMatchObject({ ok: false });
    }
  });
});
