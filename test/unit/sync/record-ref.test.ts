import { describe, expect, it } from 'vitest';
import { choosePerson } from '#shared/domain/sync/matching.ts';
import { idChecksum, isRefId, MAX_REFS, REF_SCAN_CHARS, refIdsOf } from '#shared/domain/sync/record-ref.ts';

describe('ref: record ids', () => {
  it('computes Salesforce’s 18-character checksum from the case of the first 15', () => {
    // One character per five: bit i set when character i of the five is upper case.
    expect(idChecksum('006000000000001')).toBe('AAA');
    expect(idChecksum('0O60000000000S1')).toBe('CAI');
    expect(idChecksum('ABCDE0000000000')).toBe('5AA');
    expect(isRefId('006000000000001AAA')).toBe(true);
    expect(isRefId('006000000000001aaa')).toBe(true);
    expect(isRefId('006000000000001AAB')).toBe(false);
    expect(isRefId('006000000000001')).toBe(true);
  });

  it('accepts only the What objects Capture looks up, and ids of 15 or 18 characters', () => {
    expect(isRefId('801000000000001AAA')).toBe(true);
    expect(isRefId('001000000000001AAA')).toBe(true);
    expect(isRefId('500000000000001AAA')).toBe(true);
    expect(isRefId('003000000000001AAA')).toBe(false); // a Contact is a Who
    expect(isRefId('800000000000001AAA')).toBe(false); // Contract: not looked up by ref
    expect(isRefId('00600000000001')).toBe(false);
    expect(isRefId('0060000000000010AAA')).toBe(false);
    expect(isRefId('006-00000000001')).toBe(false);
  });

  it('reads ids after ref: in the subject, then the body, with or without spaces, any case', () => {
    expect(
      refIdsOf('Renewal REF: 006000000000001AAA', 'see (ref:801000000000002)\nref:\t001000000000003AAA.'),
    ).toEqual(['006000000000001AAA', '801000000000002', '001000000000003AAA']);
  });

  it('ignores other words ending in ref, runs longer than an id, and Email-to-Case thread ids', () => {
    expect(refIdsOf(null, 'xref: 006000000000001AAA')).toEqual([]);
    expect(refIdsOf(null, 'ref: 006000000000001AAAB')).toEqual([]);
    expect(refIdsOf(null, 'ref:_00D1a2b3c._5001a2b3c4d:ref')).toEqual([]);
    expect(refIdsOf(null, 'ref:    006000000000001AAA')).toEqual([]);
  });

  it('scans only the first 5,000 characters of the body and keeps at most five ids', () => {
    const late = `${'x'.repeat(REF_SCAN_CHARS - 10)} ref: 006000000000001AAA`;
    expect(refIdsOf(null, late)).toEqual([]);
    const many = Array.from({ length: 8 }, (_, i) => `ref: 00600000000000${i}AAA`).join(' ');
    expect(refIdsOf(null, many)).toHaveLength(MAX_REFS);
  });

  it('reads hostile text once, without a regex (a megabyte of ref: finds nothing)', () => {
    const hostile = 'ref:'.repeat(1_000_000);
    expect(refIdsOf(hostile, hostile)).toEqual([]);
  });
});

describe('choosing among contacts that share an address', () => {
  const a = {
    id: '003000000000002AAA',
    accountId: '001000000000001AAA',
    createdDate: '2024-01-01T00:00:00.000Z',
  };
  const b = {
    id: '003000000000001AAA',
    accountId: '001000000000002AAA',
    createdDate: '2025-01-01T00:00:00.000Z',
    lastActivityDate: '2026-11-01',
  };
  const none = { accountIds: new Set<string>(), whoIds: new Set<string>() };

  it('lets the named record’s account decide, by 15- or 18-character id', () => {
    const context = { accountIds: new Set(['001000000000002']), whoIds: new Set<string>() };
    expect(choosePerson([a, b], context, 'oldest')).toEqual({ chosen: b, also: [], decidedBy: 'context' });
  });

  it('lets the thread’s earlier Who decide', () => {
    const context = { accountIds: new Set<string>(), whoIds: new Set([a.id]) };
    expect(choosePerson([b, a], context, 'most-recent-activity')?.chosen).toBe(a);
  });

  it('applies the policy when the context names none or both', () => {
    expect(choosePerson([b, a], none, 'oldest')).toEqual({ chosen: a, also: [], decidedBy: 'policy:oldest' });
    expect(choosePerson([a, b], none, 'most-recent-activity')?.chosen).toBe(b);
    const both = { accountIds: new Set([a.accountId, b.accountId]), whoIds: new Set<string>() };
    expect(choosePerson([b, a], both, 'all')).toEqual({ chosen: a, also: [b], decidedBy: 'policy:all' });
  });

  it('breaks equal dates by id, and says when there was only one', () => {
    const c = { ...a, id: '003000000000009AAA' };
    expect(choosePerson([c, a], none, 'oldest')?.chosen).toBe(a);
    expect(choosePerson([a], none, 'all')).toEqual({ chosen: a, also: [], decidedBy: 'single' });
    expect(choosePerson([], none, 'oldest')).toBeNull();
  });
});
