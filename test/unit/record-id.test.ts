/** One record-id rule for the parse rules, the Task mapping, the adapter and the emulator. */
import { describe, expect, it } from 'vitest';
import { isRecordId, isWhatRecordId, toRecordId18, whatTypeOf } from '#shared/domain/record-id.ts';

describe('record ids', () => {
  it('takes 15 characters, and 18 only with the case-safe suffix of the first 15', () => {
    expect(toRecordId18('001000000000001')).toBe('001000000000001AAA');
    expect(toRecordId18('001000000000001aaa')).toBe('001000000000001AAA');
    expect(toRecordId18('00Q5g00000AbCdE')).toBe(
      `00Q5g00000AbCdE${toRecordId18('00Q5g00000AbCdE')!.slice(15)}`,
    );
    expect(isRecordId('001000000000001AAB')).toBe(false); // the suffix does not match
    expect(isRecordId('ORD-10042')).toBe(false);
    expect(isRecordId('0010000000000012')).toBe(false); // 16 characters
  });

  it('knows the objects a message may be about by key prefix', () => {
    expect(whatTypeOf('006000000000001AAA')).toBe('Opportunity');
    expect(whatTypeOf('003000000000001AAA')).toBe('unknown');
    expect(isWhatRecordId('801000000000007AAA')).toBe(true);
    expect(isWhatRecordId('003000000000001AAA')).toBe(false); // a Contact is a Who, not a What
    expect(isWhatRecordId('500ABCDEFGHIJKL')).toBe(true);
    expect(isWhatRecordId('ABCDEFGHIJKLMNO')).toBe(false); // no digit: a word, not an id
  });
});
