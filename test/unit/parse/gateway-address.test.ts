/**
 * Addresses as Exchange and Notes gateways leave them, read back to the internet address they
 * stand for (gateway-address.ts): the wrapper never wins over the address it wraps, and a Notes
 * name is a name, never an address.
 */
import { describe, expect, it } from 'vitest';
import { decodeEncapsulated, readMailbox, toMailAddress } from '#shared/domain/parse/gateway-address.ts';

describe('gateway address forms', () => {
  it.each([
    // [address as a parser gives it, display name, address read back, name read back]
    ['IMCEAINVALID-jane+40globex+2Ecom@corp.com', '', 'jane@globex.com', ''],
    ['IMCEASMTP-jane+2Edoe+40globex+2Eexample@acme.example', '', 'jane.doe@globex.example', ''],
    [
      'IMCEANOTES-+22Jane+20Doe+22+20+3Cjane+2Edoe+40globex+2Eexample+3E+40ACME@acme.example',
      '',
      'jane.doe@globex.example',
      'Jane Doe',
    ],
    [
      'IMCEANOTES-+22Jane+20Doe+20+3Cjane+2Edoe+40globex+2Eexample+3E+22+40ACME@acme.example',
      '',
      'jane.doe@globex.example',
      'Jane Doe',
    ],
    ['"Jane Doe <jane.doe@globex.example>"@ACME', '', 'jane.doe@globex.example', 'Jane Doe'],
    [
      'jane.doe@globex.example',
      '"Jane Doe" <jane.doe@globex.example>@ACME [mailto:x]',
      'jane.doe@globex.example',
      'Jane Doe',
    ],
    // mailparser's split of `"Jane Doe" <jane.doe@globex.example>@ACME [mailto:IMCEANOTES-…]`.
    [
      'jane.doe@globex.example',
      'Jane Doe@ACME [mailto:IMCEANOTES-x@acme.example]',
      'jane.doe@globex.example',
      'Jane Doe',
    ],
    ['raasdnil@gmail.com', 'Mikel@Lindsaar', 'raasdnil@gmail.com', 'Mikel@Lindsaar'],
    ['@relay.example:mary@example.net', 'Mary Smith', 'mary@example.net', 'Mary Smith'],
    ["o'brien@globex.example", "O'Brien, Sean", "o'brien@globex.example", "O'Brien, Sean"],
    [
      'purchasing@globex.example',
      "'Carl Jensen' via Globex Purchasing",
      'purchasing@globex.example',
      "'Carl Jensen' via Globex Purchasing",
    ],
    ['sysservices@example.net', 'Giant; "Big" Box', 'sysservices@example.net', 'Giant; "Big" Box'],
    ["'jane.doe@globex.example';", '', 'jane.doe@globex.example', ''],
    ["'CARL@GLOBEX.EXAMPLE'", '', 'carl@globex.example', ''],
    ['mailto:jane.doe@globex.example', 'Jane Doe>', 'jane.doe@globex.example', 'Jane Doe'],
    ['<jane.doe@globex.example>', '', 'jane.doe@globex.example', ''],
    ['root@localhost', '', 'root@localhost', ''],
  ])('%s (%s) → %s', (address, name, expected, expectedName) => {
    expect(readMailbox(address, name)).toEqual({ address: expected, name: expectedName });
  });

  it.each([
    // Notes names and Exchange directory names: a person, no address.
    ['Doe/Sales/ACME@ACME', 'Jane', 'Jane Doe'],
    ['Jane Doe/Sales/ACME@ACME', '', 'Jane Doe'],
    ['Doe@ACME', 'Jane', 'Jane Doe'],
    ['IMCEANOTES-Jane+20Doe_Sales_ACME+40ACME@acme.example', '', 'Jane Doe'],
    ['IMCEAEX-_O=ACME_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=JDOE@acme.example', '', 'JDOE'],
  ])('%s (%s) is the name %s', (address, name, expectedName) => {
    expect(readMailbox(address, name)).toEqual({ address: null, name: expectedName });
    expect(toMailAddress(address, name)).toBeNull();
  });

  it('takes the real address from the display name when the address field is a wrapper of a Notes name', () => {
    expect(
      readMailbox(
        'IMCEANOTES-Jane+20Doe_Sales_ACME+40ACME@acme.example',
        '"Jane Doe" <jane.doe@globex.example>',
      ),
    ).toEqual({ address: 'jane.doe@globex.example', name: 'Jane Doe' });
  });

  it('decodes Exchange escapes: +XX is a character, _ is a slash', () => {
    expect(decodeEncapsulated('a+2Eb+40c+5Fd_e')).toBe('a.b@c_d/e');
    expect(decodeEncapsulated('plus+zz')).toBe('plus+zz');
  });

  it('never reads more than a bounded slice of very long input', () => {
    const long = `${'a'.repeat(200_000)}@globex.example`;
    expect(readMailbox(long, '').address).toBeNull();
  });
});
