/** Reading a rep's reply (first lines only, bounded) and applying the choice; reply addresses. */
import { describe, expect, it } from 'vitest';
import { OrgSchema, TOKEN_PATTERN } from '#shared/config/registry.ts';
import { applyRepChoice, ownLines, readRepChoice } from '#shared/domain/notices/rep-choice.ts';
import {
  isReplyAddress,
  replyAddressOf,
  replyTokenFrom,
  replyTokenOf,
} from '#shared/domain/notices/reply-address.ts';
import { whoCandidates } from '#shared/domain/sync/task-mapping.ts';
import { email, makeOrg } from '../sync/support.ts';

const org = makeOrg({
  orderNumbers: OrgSchema.shape.orderNumbers.parse({ patterns: ['\\bORD-\\d{5,8}\\b'] }),
});
const read = (text: string) => readRepChoice(text, org, 'capture.example.com');
const CONTACT = '003000000000001AAA';
const ORDER = '801000000000001AAA';

describe('readRepChoice', () => {
  it('reads a contact’s email address as the Who', () => {
    expect(read('jane.doe@globex.example\n\nAlice')).toEqual({
      kind: 'choice',
      whoId: null,
      whoEmail: 'jane.doe@globex.example',
      what: null,
    });
    expect(read('It was <Jane.Doe@Globex.example>.')).toMatchObject({ whoEmail: 'jane.doe@globex.example' });
  });

  it('reads a contact id as the Who and a record id or Salesforce link as the What', () => {
    expect(read(CONTACT)).toMatchObject({ whoId: CONTACT, what: null });
    expect(read(`${ORDER}`)).toMatchObject({ whoId: null, what: ORDER });
    expect(read(`https://acme.lightning.force.com/lightning/r/Order/${ORDER}/view`)).toMatchObject({
      what: ORDER,
    });
    expect(read(`https://acme.my.salesforce.com/${ORDER}`)).toMatchObject({ what: ORDER });
    // A link to anywhere else names nothing.
    expect(read(`https://evil.example/${ORDER}`)).toEqual({ kind: 'none' });
  });

  it('reads an order number by the org’s patterns, or alone on the first line', () => {
    expect(read('Please file it under ORD-10042, thanks')).toMatchObject({ what: 'ORD-10042' });
    expect(read('10042')).toMatchObject({ what: '10042' });
    expect(read('Order #4711')).toMatchObject({ what: '4711' });
  });

  it('reads both a Who and a What', () => {
    expect(read(`jane.doe@globex.example ORD-10042`)).toEqual({
      kind: 'choice',
      whoId: null,
      whoEmail: 'jane.doe@globex.example',
      what: 'ORD-10042',
    });
  });

  it('reads `stop`', () => {
    expect(read('stop')).toEqual({ kind: 'stop' });
    expect(read('STOP.\n\n> quoted notice')).toEqual({ kind: 'stop' });
  });

  it('never reads the quoted notice, a signature’s colleague or Capture’s own addresses', () => {
    const reply = [
      'Thanks',
      'alice@acme.example',
      'reply.abcdefghijklmnopqrstuvwx@capture.example.com',
      '',
      'On Mon, 2 Mar 2026 at 08:00, Capture <notices@capture.example.com> wrote:',
      '> To log it, reply with jane@globex.example ORD-10042',
    ].join('\n');
    expect(read(reply)).toEqual({ kind: 'none' });
    expect(ownLines('a\n>b\nc')).toEqual(['a']);
  });

  it('reads at most five lines of at most 500 characters', () => {
    expect(read(`${'x\n'.repeat(5)}ORD-10042`)).toEqual({ kind: 'none' });
    expect(read(`${'y'.repeat(600)} ORD-10042`)).toEqual({ kind: 'none' });
    expect(ownLines('z'.repeat(10_000_000))).toEqual(['z'.repeat(500)]);
  });
});

describe('applyRepChoice', () => {
  it('puts a named contact first among the people and the What in the sub-address target', () => {
    const original = email({ mode: 'bcc', to: ['Nobody <nobody@unknown.example>'] });
    const fixed = applyRepChoice(
      original,
      { kind: 'choice', whoId: null, whoEmail: 'jane.doe@globex.example', what: 'ORD-10042' },
      'alice@acme.example',
      new Date('2026-03-02T08:00:00Z'),
    );
    expect(whoCandidates(fixed)[0]?.address).toBe('jane.doe@globex.example');
    expect(fixed.capture?.target).toBe('ORD-10042');
    expect(fixed.resolution).toEqual({
      by: 'alice@acme.example',
      at: '2026-03-02T08:00:00.000Z',
      whoId: null,
      whoEmail: 'jane.doe@globex.example',
      what: 'ORD-10042',
    });
    // The headers are the mail's own: the Description shows what was sent.
    expect(fixed.to).toEqual(original.to);
  });
});

describe('reply addresses', () => {
  it('are 24 random characters after reply., never an org token', () => {
    const token = replyTokenFrom((n) => Uint8Array.from({ length: n }, (_, i) => (i * 41) % 256));
    expect(token).toMatch(/^[a-z0-9]{24}$/);
    const address = replyAddressOf(token, 'capture.example.com');
    expect(replyTokenOf(address, 'capture.example.com')).toBe(token);
    expect(replyTokenOf(`<${address.toUpperCase()}>`, 'capture.example.com')).toBe(token);
    // A dot is never in an org's token, so no capture address can be a reply address.
    expect(TOKEN_PATTERN.test(address.split('@')[0] ?? '')).toBe(false);
    expect(isReplyAddress('acme-k7q2m9x4p8w3@capture.example.com', 'capture.example.com')).toBe(false);
    expect(isReplyAddress(`reply.short@capture.example.com`, 'capture.example.com')).toBe(false);
    expect(isReplyAddress(address, 'other.example.com')).toBe(false);
  });
});
