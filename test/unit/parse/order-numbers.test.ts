import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { parseRegistry } from '#shared/config/registry.ts';
import { findOrderNumbers, orderNumberMatchers } from '#shared/domain/parse/order-numbers.ts';
import { ConfigError } from '#shared/errors.ts';
import { mime, org, registry } from './helpers.ts';

const defaults = orderNumberMatchers(undefined);

describe('order numbers', () => {
  it('finds labelled numbers with the default patterns', () => {
    expect(
      findOrderNumbers(
        ['Order #12345 and Order No. 23456, order number: 34567, PO 4711, PO#4712, P.O. 4713, SO-104233'],
        defaults,
      ),
    ).toEqual(['12345', '23456', '34567', '4711', '4712', '4713', 'SO-104233']);
  });

  it('does not fire on dates, phone numbers, postcodes or prices', () => {
    const text = [
      'Ordered on 2024-05-12, delivery 12/05/2024.',
      'Call +1 (555) 123-4567 or 0800 123 456.',
      'Ship to 10115 Berlin, SW1A 1AA London, 90210.',
      'Order total: $1,234.00 — the order of 12/05/2024 was €99.95.',
      'Order placed 2024-05-12 at 10:30.',
    ].join('\n');
    expect(findOrderNumbers([text], defaults)).toEqual([]);
  });

  it('uses org patterns and de-duplicates in order of appearance across subject, body and forward', async () => {
    const email = await parseEmail(
      mime(
        { From: 'alice@acme.example', Subject: 'Re: ORD-10042 and Order #77777' },
        'About ORD-10042 again.\nAlso ord-10042 and ORD-20000.\n\n---------- Forwarded message ---------\nFrom: Jane <jane@globex.example>\nDate: Mon, 16 Nov 2026 at 10:12\nSubject: PO 4711\nTo: <alice@acme.example>\n\nsee SO-555555',
      ),
      { org },
    );
    expect(email.orderNumbers).toEqual(['ORD-10042', '77777', 'ORD-20000', '4711', 'SO-555555']);
  });

  it('puts the sub-address target first', async () => {
    const email = await parseEmail(mime({ From: 'alice@acme.example', Subject: 'Order #12345' }, 'x'), {
      org,
      capture: { orgId: 'acme', address: 'x@capture.example.com', mode: 'bcc', target: 'SO-104233' },
    });
    expect(email.orderNumbers).toEqual(['SO-104233', '12345']);
  });

  it('scans a padded "Order … Total" line in linear time (it used to backtrack for minutes)', () => {
    // 1,000 spaces took 96 s with the old backtracking pattern; 200,000 would never end.
    for (const n of [1_000, 200_000]) {
      const text = `Order${' '.repeat(n)}Total: 5 EUR`;
      expect(findOrderNumbers([text], defaults)).toEqual([]);
      expect(findOrderNumbers([`${text}\nOrder #12345`], defaults)).toEqual(['12345']);
    }
  });

  it('runs each default pattern in linear time on padded near-misses (they run on V8, so must not backtrack)', () => {
    const pad = (s: string) => s.replaceAll('_', ' '.repeat(100_000));
    // Every optional label piece followed by a long whitespace run and no number.
    const nearMisses = [
      pad('Order_no._:_#_Total'),
      pad('purchase_order_number_#_x'),
      pad('Sales\torder_\n_nr._#x'),
      pad('PO_no._:_x'),
      pad('P.O._number_-_x'),
      pad('PO#_#_x'),
      `SO-${'1'.repeat(200_000)}`,
      'Order # '.repeat(40_000),
      'P.O. # '.repeat(40_000),
      'SO-12 '.repeat(40_000),
    ];
    for (const text of nearMisses) {
      expect(findOrderNumbers([text], defaults)).toEqual([]);
      expect(findOrderNumbers([`${text}\nOrder #12345 PO 4711 SO-104233`], defaults)).toEqual([
        '12345',
        '4711',
        'SO-104233',
      ]);
    }
  });

  it('scans many near-miss labels in linear time', () => {
    const text = 'Order 12/05/2024 PO 4711.5 '.repeat(10_000);
    expect(findOrderNumbers([text], defaults)).toEqual([]);
  });

  it('runs org patterns on RE2 (JavaScript syntax is translated)', () => {
    const matchers = orderNumberMatchers({
      patterns: ['\\bSO-\\d{6}\\b', '(?:INV|inv)-(\\d{4})'],
      useDefaults: false,
      lookup: { object: 'Order', field: 'OrderNumber' },
    });
    expect(findOrderNumbers(['see SO-100007 and inv-2024, not SO-1000077'], matchers)).toEqual([
      'SO-100007',
      '2024',
    ]);
    // A nested quantifier that backtracks exponentially in JavaScript runs linearly here.
    const evil = orderNumberMatchers({
      patterns: ['^(a+)+$'],
      useDefaults: false,
      lookup: { object: 'Order', field: 'OrderNumber' },
    });
    expect(findOrderNumbers([`${'a'.repeat(50_000)}!`], evil)).toEqual([]);
  });

  it('takes the whole match when the capture group did not take part', () => {
    const matchers = orderNumberMatchers({
      patterns: ['INV-\\d{4}(?:/(\\d+))?'],
      useDefaults: false,
      lookup: { object: 'Order', field: 'OrderNumber' },
    });
    expect(findOrderNumbers(['INV-2024/77 and INV-2025'], matchers)).toEqual(['77', 'INV-2025']);
  });

  it('refuses org patterns RE2 cannot run when the registry loads, naming the field', () => {
    const input = structuredClone(registry) as unknown as {
      orgs: { orderNumbers: { patterns: string[] } }[];
    };
    input.orgs[0]!.orderNumbers.patterns = ['\\bORD-\\d+', 'ORD-(?=\\d)\\d+', '(\\d)\\1'];
    expect(() => parseRegistry(input, 'orgs.json')).toThrow(ConfigError);
    try {
      parseRegistry(input, 'orgs.json');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('orgs.0.orderNumbers.patterns.1: cannot run in linear time');
      expect(message).toContain('orgs.0.orderNumbers.patterns.2: cannot run in linear time');
      expect(message).not.toContain('patterns.0');
    }
  });
});
