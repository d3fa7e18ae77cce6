import { describe, expect, it } from 'vitest';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import {
  checkParsedMessage,
  checkVerdicts,
  fromVerified,
  resolveRecipients,
} from '#shared/domain/intake-policy.ts';
import { testRegistry } from '../support/registry.ts';

const registry = testRegistry({
  domain: 'acme.com',
  acme: { internalDomains: ['acme.com', 'other-internal.com'] },
  orgs: [
    {
      id: 'globex',
      enabled: false,
      internalDomains: ['globex.com'],
      defaultOwnerEmail: 'ops@globex.com',
      addresses: [{ token: 'globex-a1b2c3d4e5f6', mode: 'bcc' }],
    },
  ],
});

function email(partial: Partial<CapturedEmail>): CapturedEmail {
  return {
    schemaVersion: 1,
    messageId: '<m1@acme.com>',
    subject: 'Hello',
    date: null,
    from: { address: 'alice@acme.com', name: 'Alice' },
    sender: null,
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    inReplyTo: null,
    references: [],
    forwarded: null,
    orderNumbers: [],
    kind: 'normal',
    attachments: [],
    warnings: [],
    text: '',
    textTruncated: false,
    participants: [],
    direction: 'outbound',
    envelope: null,
    capture: null,
    excluded: null,
    size: 100,
    ...partial,
  };
}

describe('resolveRecipients', () => {
  it('captures once per org, preferring the bcc address and a sub-address target', () => {
    const { captures, rejections } = resolveRecipients(registry, [
      'ACME-INBOX-3n8v5t2r6y1z@capture.example.com',
      'acme-k7q2m9x4p8w3+SO-104233@Capture.Example.com',
      'someone@elsewhere.com',
    ]);
    expect(rejections).toEqual([]);
    expect(captures).toHaveLength(1);
    expect(captures[0]?.address.mode).toBe('bcc');
    expect(captures[0]?.target).toBe('SO-104233');
  });

  it('rejects unknown tokens and disabled orgs with a reason', () => {
    const { captures, rejections } = resolveRecipients(registry, [
      'acme-guess0000000@capture.example.com',
      'globex-a1b2c3d4e5f6@capture.example.com',
    ]);
    expect(captures).toEqual([]);
    expect(rejections).toEqual([
      { recipient: 'acme-guess0000000@capture.example.com', reason: 'unknown-token' },
      { recipient: 'globex-a1b2c3d4e5f6@capture.example.com', reason: 'org-disabled', orgId: 'globex' },
    ]);
  });
});

describe('checkVerdicts', () => {
  it('quarantines spam and viruses on any address', () => {
    expect(checkVerdicts({ virus: 'FAIL' }, 'forward')).toMatchObject({
      outcome: 'quarantined',
      reason: 'virus',
    });
    expect(checkVerdicts({ spam: 'FAIL' }, 'bcc')).toMatchObject({ outcome: 'quarantined', reason: 'spam' });
  });
  it('quarantines DMARC failures on bcc addresses only', () => {
    expect(checkVerdicts({ dmarc: 'FAIL' }, 'bcc')).toMatchObject({ reason: 'dmarc-fail' });
    expect(checkVerdicts({ dmarc: 'FAIL' }, 'forward')).toEqual({ allowed: true });
    expect(checkVerdicts({ spam: 'PASS', virus: 'PASS', dmarc: 'PASS' }, 'bcc')).toEqual({ allowed: true });
  });
});

describe('checkParsedMessage', () => {
  const [bcc] = resolveRecipients(registry, ['acme-k7q2m9x4p8w3@capture.example.com']).captures;
  const [fwd] = resolveRecipients(registry, ['acme-inbox-3n8v5t2r6y1z@capture.example.com']).captures;

  it('only lets internal senders use a bcc address', () => {
    expect(checkParsedMessage(email({}), bcc!, 'capture.example.com', { dmarc: 'PASS' })).toEqual({
      allowed: true,
    });
    expect(
      checkParsedMessage(
        email({ from: { address: 'eve@evil.com', name: '' } }),
        bcc!,
        'capture.example.com',
        {
          dmarc: 'PASS',
        },
      ),
    ).toMatchObject({ outcome: 'rejected', reason: 'sender-not-allowed' });
    expect(
      checkParsedMessage(email({ from: { address: 'eve@evil.com', name: '' } }), fwd!, 'capture.example.com'),
    ).toEqual({ allowed: true });
  });

  it('stops auto-replies, bounces and mail from the capture domain', () => {
    expect(checkParsedMessage(email({ kind: 'auto-reply' }), fwd!, 'capture.example.com')).toMatchObject({
      reason: 'auto-reply',
    });
    expect(checkParsedMessage(email({ kind: 'bounce' }), fwd!, 'capture.example.com')).toMatchObject({
      reason: 'bounce',
    });
    expect(
      checkParsedMessage(
        email({ from: { address: 'x@capture.example.com', name: '' } }),
        fwd!,
        'capture.example.com',
      ),
    ).toMatchObject({ reason: 'loop-own-domain' });
  });

  it('stops mail from subdomains of the capture domain', () => {
    for (const address of ['x@eu.capture.example.com', 'x@CAPTURE.example.com']) {
      expect(
        checkParsedMessage(email({ from: { address, name: '' } }), bcc!, 'capture.example.com', {
          dmarc: 'PASS',
        }),
      ).toEqual({ allowed: false, outcome: 'rejected', reason: 'loop-own-domain' });
    }
    // A look-alike domain is not a subdomain.
    expect(
      checkParsedMessage(
        email({ from: { address: 'x@notcapture.example.com', name: '' } }),
        fwd!,
        'capture.example.com',
      ),
    ).toEqual({ allowed: true });
  });

  it('rejects bulk mail everywhere and list mail on forward addresses', () => {
    expect(checkParsedMessage(email({ bulk: 'bulk-mail' }), fwd!, 'capture.example.com')).toEqual({
      allowed: false,
      outcome: 'rejected',
      reason: 'bulk-mail',
    });
    expect(
      checkParsedMessage(email({ bulk: 'bulk-mail' }), bcc!, 'capture.example.com', { dmarc: 'PASS' }),
    ).toMatchObject({ reason: 'bulk-mail' });
    expect(checkParsedMessage(email({ bulk: 'list-mail' }), fwd!, 'capture.example.com')).toEqual({
      allowed: false,
      outcome: 'rejected',
      reason: 'list-mail',
    });
    // A rep's own BCC through a tool that adds List-Unsubscribe is still their conversation.
    expect(
      checkParsedMessage(email({ bulk: 'list-mail' }), bcc!, 'capture.example.com', { dmarc: 'PASS' }),
    ).toEqual({ allowed: true });
  });
});

describe('bcc sender authentication', () => {
  const [bcc] = resolveRecipients(registry, ['acme-k7q2m9x4p8w3@capture.example.com']).captures;
  const forged = { allowed: false, outcome: 'quarantined', reason: 'sender-not-authenticated' };
  const check = (partial: Partial<CapturedEmail>, verdicts: Parameters<typeof checkParsedMessage>[3]) =>
    checkParsedMessage(email(partial), bcc!, 'capture.example.com', verdicts);

  it('quarantines an internal From that nothing proves (SPF and DKIM FAIL, DMARC GRAY)', () => {
    expect(
      check(
        { envelope: { mailFrom: 'mallory@evil.example', recipients: [] } },
        {
          spf: 'FAIL',
          dkim: 'FAIL',
          dmarc: 'GRAY',
        },
      ),
    ).toEqual(forged);
    expect(check({}, {})).toEqual(forged);
  });

  it('accepts DMARC PASS', () => {
    expect(check({}, { spf: 'FAIL', dkim: 'FAIL', dmarc: 'PASS' })).toEqual({ allowed: true });
  });

  it('accepts SPF PASS only for an envelope sender aligned with the From domain', () => {
    const verdicts = { spf: 'PASS', dkim: 'FAIL', dmarc: 'GRAY' };
    const envelope = (mailFrom: string) => ({ envelope: { mailFrom, recipients: [] } });
    expect(check(envelope('alice@acme.com'), verdicts)).toEqual({ allowed: true });
    expect(check(envelope('bounces@mail.acme.com'), verdicts)).toEqual({ allowed: true });
    expect(check(envelope('mallory@evil.example'), verdicts)).toEqual(forged);
    expect(check(envelope(''), verdicts)).toEqual(forged);
    // Another internal domain of the same org is not aligned with this From.
    expect(check(envelope('x@other-internal.com'), verdicts)).toEqual(forged);
  });

  it('accepts DKIM PASS only when every signature is aligned with the From domain', () => {
    const verdicts = { spf: 'FAIL', dkim: 'PASS', dmarc: 'GRAY' };
    const signed = (...dkimDomains: string[]) => ({ authentication: { dkimDomains } });
    expect(check(signed('acme.com'), verdicts)).toEqual({ allowed: true });
    expect(check(signed('eu.acme.com'), verdicts)).toEqual({ allowed: true });
    expect(check(signed('evil.example'), verdicts)).toEqual(forged);
    expect(check(signed('acme.com', 'evil.example'), verdicts)).toEqual(forged);
    expect(check(signed(), verdicts)).toEqual(forged);
    expect(check(signed('com'), verdicts)).toEqual(forged);
  });
});

describe("fromVerified (a forward address's From)", () => {
  const envelope = (mailFrom: string) => ({ envelope: { mailFrom, recipients: [] } });
  const signed = (...dkimDomains: string[]) => ({ authentication: { dkimDomains } });

  it('proves the From by DMARC PASS, SPF PASS for its own domain, or DKIM PASS signed by its own domain only', () => {
    expect(fromVerified(email({}), { dmarc: 'PASS', spf: 'FAIL', dkim: 'FAIL' })).toBe(true);
    const spf = { spf: 'PASS', dkim: 'FAIL', dmarc: 'GRAY' };
    expect(fromVerified(email(envelope('bounces@acme.com')), spf)).toBe(true);
    // Strict: a subdomain or another domain of the org is not the From's own domain.
    expect(fromVerified(email(envelope('bounces@mail.acme.com')), spf)).toBe(false);
    expect(fromVerified(email(envelope('x@other-internal.com')), spf)).toBe(false);
    const dkim = { spf: 'FAIL', dkim: 'PASS', dmarc: 'GRAY' };
    expect(fromVerified(email(signed('acme.com')), dkim)).toBe(true);
    expect(fromVerified(email(signed('acme.com', 'evil.example')), dkim)).toBe(false);
    expect(fromVerified(email(signed()), dkim)).toBe(false);
  });

  it('proves nothing without a From or a passing verdict', () => {
    expect(fromVerified(email({ from: null }), { dmarc: 'PASS' })).toBe(false);
    expect(
      fromVerified(email(envelope('alice@acme.com')), { spf: 'FAIL', dkim: 'FAIL', dmarc: 'GRAY' }),
    ).toBe(false);
  });
});
