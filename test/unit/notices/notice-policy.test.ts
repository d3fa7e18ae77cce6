/** noticeFor's table, row by row, and the rep SES's verdicts prove before a mail is read. */
import { describe, expect, it } from 'vitest';
import {
  type EndedMail,
  endedMailOf,
  type MailEnding,
  noticeFor,
  provenRepOf,
} from '#shared/domain/notices/notice-policy.ts';
import { email, makeOrg } from '../sync/support.ts';

const org = makeOrg({ notices: { enabled: true, adminEmails: ['admin@acme.example'], digestHour: 8 } });
const ending = (e: Partial<MailEnding>): MailEnding => ({
  outcome: 'unmatched',
  reason: 'no-contact-or-lead',
  kept: true,
  final: true,
  taskId: null,
  ...e,
});
const bcc = endedMailOf(email({ mode: 'bcc' }), org, 'ses-1');
const forward = endedMailOf(email({ mode: 'forward', from: 'Jane <jane@globex.example>' }), org, 'ses-2');

describe('noticeFor', () => {
  it('tells the BCC rep about unresolved mail and puts it in the digest', () => {
    expect(bcc.rep).toBe('alice@acme.example');
    expect(noticeFor(ending({}), bcc, org)).toEqual({
      notice: 'unresolved',
      answer: false,
      digest: 'unresolved',
    });
  });

  it('never tells anyone about forward-address mail: the admin digest has it', () => {
    expect(forward.rep).toBeNull();
    expect(noticeFor(ending({}), forward, org)).toEqual({
      notice: null,
      answer: false,
      digest: 'unresolved',
    });
    expect(noticeFor(ending({ outcome: 'failed', reason: 'X' }), forward, org).notice).toBeNull();
  });

  it('is silent about unmatched mail the org does not keep (policy skip)', () => {
    expect(noticeFor(ending({ kept: false }), bcc, org)).toEqual({
      notice: null,
      answer: false,
      digest: null,
    });
  });

  it('tells of a failure only when no retry is left', () => {
    expect(noticeFor(ending({ outcome: 'failed', reason: 'X', final: false }), bcc, org).notice).toBeNull();
    expect(noticeFor(ending({ outcome: 'failed', reason: 'X', final: true }), bcc, org)).toEqual({
      notice: 'failed',
      answer: false,
      digest: 'failed',
    });
  });

  it('tells of quarantined mail, and of mail logged with parts cut short (not in the digest)', () => {
    expect(noticeFor(ending({ outcome: 'quarantined', reason: 'virus' }), bcc, org).notice).toBe(
      'quarantined',
    );
    const cut: EndedMail = { ...bcc, cutShort: ['12 attachments skipped'] };
    expect(noticeFor(ending({ outcome: 'created', taskId: '00T1' }), cut, org)).toEqual({
      notice: 'cut-short',
      answer: false,
      digest: null,
    });
    expect(noticeFor(ending({ outcome: 'created', taskId: '00T1' }), bcc, org).notice).toBeNull();
  });

  it('answers a rep’s reply: logged, or still unresolved; answers are never held', () => {
    const fixed: EndedMail = {
      ...bcc,
      resolution: { by: 'alice@acme.example', at: 'x', whoId: null, whoEmail: null, what: 'ORD-10042' },
    };
    expect(noticeFor(ending({ outcome: 'created', taskId: '00T1' }), fixed, org)).toEqual({
      notice: 'logged',
      answer: true,
      digest: null,
    });
    expect(noticeFor(ending({ outcome: 'duplicate', taskId: '00T1' }), fixed, org).notice).toBe('logged');
    expect(noticeFor(ending({}), fixed, org)).toEqual({
      notice: 'still-unresolved',
      answer: true,
      digest: 'unresolved',
    });
  });

  it('never answers auto-replies, bounces, bulk or list mail', () => {
    const list = endedMailOf({ ...email({ mode: 'bcc' }), bulk: 'list-mail' }, org, 'ses-3');
    expect(list.automated).toBe(true);
    expect(noticeFor(ending({}), list, org)).toEqual({ notice: null, answer: false, digest: 'unresolved' });
  });

  it('does nothing for an org that turned notices off, and keeps no digest without admins', () => {
    const off = makeOrg({ notices: { enabled: false, adminEmails: ['admin@acme.example'], digestHour: 8 } });
    expect(noticeFor(ending({}), bcc, off)).toEqual({ notice: null, answer: false, digest: null });
    const noAdmin = makeOrg();
    expect(noAdmin.notices).toEqual({ enabled: true, adminEmails: [], digestHour: 8 });
    expect(noticeFor(ending({}), bcc, noAdmin)).toEqual({
      notice: 'unresolved',
      answer: false,
      digest: null,
    });
  });

  it('has no rep for BCC mail from an outsider (it never passed the sender rule)', () => {
    const outsider = endedMailOf(email({ mode: 'bcc', from: 'Jane <jane@globex.example>' }), org, 'ses-4');
    expect(outsider.rep).toBeNull();
  });
});

describe('provenRepOf (mail stopped before it was read)', () => {
  it('takes an internal From that DMARC passed', () => {
    expect(provenRepOf({ from: '"Alice" <Alice@acme.example>', mailFrom: null, dmarc: 'PASS' }, org)).toBe(
      'alice@acme.example',
    );
  });

  it('takes SPF only for an aligned internal envelope sender', () => {
    const from = 'alice@acme.example';
    expect(provenRepOf({ from, mailFrom: 'bounce@mail.acme.example', spf: 'PASS', dmarc: 'GRAY' }, org)).toBe(
      from,
    );
    expect(provenRepOf({ from, mailFrom: 'x@evil.example', spf: 'PASS', dmarc: 'GRAY' }, org)).toBeNull();
    expect(provenRepOf({ from, mailFrom: from, spf: 'FAIL', dmarc: 'GRAY' }, org)).toBeNull();
  });

  it('never takes an outsider or an unreadable From', () => {
    expect(provenRepOf({ from: 'jane@globex.example', mailFrom: null, dmarc: 'PASS' }, org)).toBeNull();
    expect(provenRepOf({ from: 'not an address', mailFrom: null, dmarc: 'PASS' }, org)).toBeNull();
    expect(provenRepOf({ from: null, mailFrom: null, dmarc: 'PASS' }, org)).toBeNull();
  });
});
