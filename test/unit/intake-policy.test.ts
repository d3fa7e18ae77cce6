import { describe, expect, it } from 'vitest';
import { parseRegistry } from '#shared/config/registry.ts';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { checkParsedMessage, checkVerdicts, resolveRecipients } from '#shared/domain/intake-policy.ts';

const registry = parseRegistry({
  captureDomain: 'capture.example.com',
  orgs: [
    {
      id: 'acme',
      internalDomains: ['acme.com'],
      defaultOwnerEmail: 'ops@acme.com',
      addresses: [
        { token: 'acme-k7q2m9x4p8w3', mode: 'bcc' },
        { token: 'acme-inbox-3n8v5t2r6y1z', mode: 'forward' },
      ],
    },
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
    expect(checkParsedMessage(email({}), bcc!, 'capture.example.com')).toEqual({ allowed: true });
    expect(
      checkParsedMessage(email({ from: { address: 'eve@evil.com', name: '' } }), bcc!, 'capture.example.com'),
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
});
