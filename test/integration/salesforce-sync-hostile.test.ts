/**
 * Hostile input through the adapter and jsforce against the emulator: quotes, backslashes, SOQL
 * keywords, LIKE wildcards and unicode in addresses and order numbers neither break a query
 * (MALFORMED_QUERY) nor widen it (a record that does not equal the value).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import type { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { soqlString } from '#shared/adapters/salesforce/soql.ts';
import { crmFor, jsforceFor, setUp, startEmulator } from '../support/salesforce.ts';

// Stored as Contacts, so no whitespace (Salesforce rejects it in an email field); the probes below have it.
const HOSTILE_EMAILS = [
  "o'brien@globex.example",
  "x'OR(Email!='')OR(Email='@evil.example",
  "a\\'OR'1'='1@evil.example",
  'back\\slash@evil.example',
  'trail\\@evil.example',
  "robert');DELETE/**/FROM/**/Contact;--@evil.example",
  "select'Id'from'User'where@evil.example",
  '%@evil.example',
  '_@evil.example',
  'zoë.ñandú@例え.jp',
  "emoji😀'@evil.example",
];
const HOSTILE_ORDERS = [
  "ORD-1' OR OrderNumber LIKE '%",
  'ORD-\\',
  "SO-1\\'",
  'NULL',
  "' OR Id != null OR Id = '",
];

let emulator: SalesforceEmulator;
let crm: SalesforceCrm;
let ids: Map<string, string>;

beforeAll(async () => {
  emulator = await startEmulator();
  crm = crmFor(emulator.url);
  await setUp(crm);
  const conn = await jsforceFor(emulator.url);
  ids = new Map();
  for (const address of HOSTILE_EMAILS.filter((a) => a !== "o'brien@globex.example")) {
    const r = (await conn.sobject('Contact').create({ LastName: 'Hostile', Email: address })) as {
      id: string;
    };
    ids.set(address, r.id);
  }
  // OrderNumber is an auto-number (not createable over the API): seed the Orders as a data load would.
  const seeded = emulator.seed({
    Order: HOSTILE_ORDERS.map((number) => ({
      OrderNumber: number,
      AccountId: '@Account:Globex Corporation',
      Status: 'Draft',
      EffectiveDate: '2026-11-01',
    })),
  });
  for (const [i, number] of HOSTILE_ORDERS.entries()) ids.set(number, seeded.Order![i]!);
});
afterAll(async () => {
  await emulator.close();
});

const lookup = (personEmails: string[], orderNumbers: string[] = [], userEmails: string[] = []) =>
  crm.lookup({
    userEmails,
    personEmails,
    orderNumbers,
    orderLookup: { object: 'Order', field: 'OrderNumber' },
    recordIds: [],
    captureIds: [],
  });

describe('hostile values in SOQL literals', () => {
  it.each(HOSTILE_EMAILS)('finds exactly the Contact whose email is %s', async (address) => {
    const found = await lookup([address]);
    expect(found.contacts.map((c) => c.email)).toEqual([address]);
    expect(found.leads).toEqual([]);
  });

  it.each(HOSTILE_ORDERS)('finds exactly the Order numbered %s', async (number) => {
    const found = await lookup([], [number]);
    expect(found.orders.map((o) => [o.id, o.number])).toEqual([[ids.get(number), number]]);
  });

  it('finds nothing for hostile values that match no record, in every lookup of the batch', async () => {
    const probes = [
      "nobody' OR Email LIKE '%",
      "\\' OR IsActive = true OR Email = '",
      "') OR (Email != '",
      "x'\nOR Email != '",
      "x'\tOR Email != '",
      'nobody%',
      '%',
    ];
    const found = await crm.lookup({
      userEmails: probes,
      personEmails: probes,
      orderNumbers: probes,
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: probes,
    });
    expect(found).toEqual({ users: [], contacts: [], leads: [], orders: [], records: [], tasks: [] });
  });

  it('agrees with a plain jsforce query built with the same escaper', async () => {
    const conn = await jsforceFor(emulator.url);
    for (const address of HOSTILE_EMAILS) {
      const r = await conn.query<{ Email: string }>(
        `SELECT Email FROM Contact WHERE Email = ${soqlString(address)}`,
      );
      expect(r.records.map((c) => c.Email)).toEqual([address]);
    }
  });

  it('keeps every value of a long hostile IN-list, across chunks and subrequests', async () => {
    const fillers = Array.from({ length: 400 }, (_, i) => `filler'${i}\\@nowhere.example`);
    const found = await lookup([...fillers, ...HOSTILE_EMAILS]);
    expect(found.contacts.map((c) => c.email).sort()).toEqual([...HOSTILE_EMAILS].sort());
  });

  it('leaves records unknown when Salesforce refuses to look up their object, instead of failing the batch', async () => {
    // An org whose order lookup names a field this org lacks (or Capture's user cannot read).
    const found = await crm.lookup({
      userEmails: [],
      personEmails: ["o'brien@globex.example"],
      orderNumbers: ['CT-1'],
      orderLookup: { object: 'Order', field: 'Legacy_Number__c' },
      recordIds: [],
      captureIds: [],
    });
    expect(found.orders).toEqual([]);
    expect(found.contacts.map((c) => c.email)).toEqual(["o'brien@globex.example"]);
  });
});
