/** Adapter pieces that need no server: SOQL literals, IN-list chunking, error classes, the secret, the S3 ledger. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3DedupeLedger } from '#shared/adapters/s3-dedupe-ledger.ts';
import { compositeGroups, readComposite } from '#shared/adapters/salesforce/composite.ts';
import { classifySalesforceError } from '#shared/adapters/salesforce/errors.ts';
import { collectionChunks, FILE_REQUEST_BYTES } from '#shared/adapters/salesforce/limits.ts';
import { lookupQueries, missingReadRight } from '#shared/adapters/salesforce/lookup.ts';
import { inClauses, packedQueries, soqlName, soqlString } from '#shared/adapters/salesforce/soql.ts';
import { parseSalesforceSecret } from '#shared/config/salesforce-secret.ts';
import { ConfigError, PermanentError, TransientError } from '#shared/errors.ts';

describe('SOQL literals', () => {
  it('escapes the backslash first, then the quote, then control characters', () => {
    expect(soqlString("o'brien")).toBe("'o\\'brien'");
    // Backslash before quote: the quote's own escape is not doubled, the input's backslash is.
    expect(soqlString("a\\'b")).toBe("'a\\\\\\'b'");
    expect(soqlString('\\')).toBe("'\\\\'");
    expect(soqlString('a\nb\rc\td"e')).toBe("'a\\nb\\rc\\td\\\"e'");
    expect(soqlString('Zoë 日本 😀')).toBe("'Zoë 日本 😀'");
  });

  it('keeps hostile input inside one literal', () => {
    for (const hostile of [
      "x' OR Email LIKE '%",
      "\\' OR Name != '",
      "'); DELETE FROM Contact; --",
      "\\\\'",
    ]) {
      const literal = soqlString(hostile);
      // Between the outer quotes every quote is escaped by an odd run of backslashes.
      const inner = literal.slice(1, -1);
      for (const m of inner.matchAll(/(\\*)'/g)) expect(m[1]!.length % 2).toBe(1);
      expect(inner.endsWith('\\') ? (/\\+$/.exec(inner)?.[0].length ?? 0) % 2 : 0).toBe(0);
    }
  });

  it('allows only API names where names go', () => {
    expect(soqlName('PO_Number__c')).toBe('PO_Number__c');
    expect(() => soqlName('Name FROM User')).toThrow(/not a Salesforce API name/);
    expect(() => soqlName("Id'")).toThrow();
  });

  it('chunks IN-lists under the WHERE size limit and keeps every value', () => {
    const values = Array.from({ length: 500 }, (_, i) => `person${i}@example.com`);
    const clauses = inClauses('Email', values, 3_500);
    expect(clauses.length).toBeGreaterThan(1);
    for (const c of clauses) expect(c.length).toBeLessThanOrEqual(3_500 + 'Email IN ()'.length);
    const back = clauses.flatMap((c) => [...c.matchAll(/'([^']*)'/g)].map((m) => m[1]));
    expect(back).toEqual(values);
    expect(inClauses('Email', [])).toEqual([]);
  });
});

describe('composite limits', () => {
  it('packs IN-lists by their URL-encoded length and keeps every value', () => {
    const values = Array.from({ length: 1_000 }, (_, i) => `o'person${i}@example.com`);
    const queries = packedQueries('SELECT Id FROM Contact', 'Email', values, ' LIMIT 2000', 12_000);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) {
      expect(encodeURIComponent(q).length).toBeLessThanOrEqual(12_000);
      expect(q).toMatch(/^SELECT Id FROM Contact WHERE Email IN \(.*\) LIMIT 2000$/);
    }
    const back = queries.flatMap((q) =>
      [...q.matchAll(/'((?:\\.|[^'\\])*)'/g)].map((m) => m[1]!.replace(/\\'/g, "'")),
    );
    expect(back).toEqual(values);
    expect(packedQueries('SELECT Id FROM Contact', 'Email', [])).toEqual([]);
  });

  it('asks one query per kind for an ordinary batch', () => {
    const queries = lookupQueries({
      userEmails: ['alice@acme.example', 'ops@acme.example'],
      personEmails: Array.from({ length: 40 }, (_, i) => `p${i}@globex.example`),
      orderNumbers: ['ORD-10042', '4711', '00004711'],
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: Array.from({ length: 30 }, (_, i) => `${i}`.padStart(40, 'a')),
    });
    expect(queries.map((q) => q.kind)).toEqual(['users', 'contacts', 'leads', 'orders', 'tasks']);
  });

  it('asks the open-opportunity roles inside the contacts query, only when some mail may use them', () => {
    const plan = {
      userEmails: ['alice@acme.example'],
      personEmails: ['jane@globex.example'],
      orderNumbers: ['ORD-10042'],
      orderLookup: { object: 'Order' as const, field: 'OrderNumber' },
      recordIds: [],
      captureIds: ['a'.repeat(40)],
    };
    const withRoles = lookupQueries({ ...plan, opportunityEmails: ['jane@globex.example'] });
    expect(withRoles.map((q) => q.kind)).toEqual(['users', 'contacts', 'leads', 'orders', 'tasks']);
    expect(withRoles[1]).toMatchObject({
      roles: true,
      soql:
        'SELECT Id, Email, AccountId, LastModifiedDate, CreatedDate, (SELECT OpportunityId, Opportunity.AccountId' +
        ' FROM OpportunityContactRoles WHERE Opportunity.IsClosed = false LIMIT 100) FROM Contact' +
        " WHERE Email IN ('jane@globex.example') ORDER BY LastModifiedDate DESC LIMIT 2000",
    });
    const without = lookupQueries(plan)[1];
    expect(without?.roles).toBeUndefined();
    expect(without?.soql).not.toContain('OpportunityContactRoles');
  });

  it('folds sub-address ids of the order object into the order numbers query; other types get their own', () => {
    const plan = {
      userEmails: ['alice@acme.example'],
      personEmails: ['jane@globex.example'],
      orderNumbers: ['ORD-10042'],
      orderLookup: { object: 'Order' as const, field: 'OrderNumber' },
      recordIds: ['801000000000001AAA', '006000000000001AAA'],
      captureIds: ['a'.repeat(40)],
    };
    const queries = lookupQueries(plan);
    expect(queries.map((q) => q.kind)).toEqual(['users', 'contacts', 'leads', 'orders', 'records', 'tasks']);
    expect(queries[3]).toMatchObject({
      soql: "SELECT Id, OrderNumber, AccountId FROM Order WHERE OrderNumber IN ('ORD-10042') OR Id IN ('801000000000001AAA')",
      alsoRecords: ['801000000000001AAA'],
    });
    expect(queries[4]?.soql).toBe("SELECT Id, AccountId FROM Opportunity WHERE Id IN ('006000000000001AAA')");
  });

  it('groups at most 25 subrequests and 5 queries or Collections per composite', () => {
    const items = [
      ...Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, limited: true })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: `d${i}`, limited: false })),
    ];
    const groups = compositeGroups(items, (x) => x.limited);
    for (const g of groups) {
      expect(g.length).toBeLessThanOrEqual(25);
      expect(g.filter((x) => x.limited).length).toBeLessThanOrEqual(5);
    }
    expect(groups.flat()).toEqual(items);
  });

  it('keeps the files of one request within 20 MB of base64; a larger file goes alone', () => {
    const MB = 1024 * 1024;
    expect(FILE_REQUEST_BYTES).toBe(20 * MB);
    const sizes = [8, 8, 8, 25, 4, 12].map((n) => n * MB);
    const chunks = collectionChunks(sizes, (n) => n);
    expect(chunks).toEqual([[8 * MB, 8 * MB], [8 * MB], [25 * MB], [4 * MB, 12 * MB]]);
    const groups = compositeGroups(
      chunks,
      () => true,
      (c) => c.reduce((a, b) => a + b, 0),
    );
    for (const g of groups) {
      const bytes = g.flat().reduce((a, b) => a + b, 0);
      if (g.flat().length > 1) expect(bytes).toBeLessThanOrEqual(FILE_REQUEST_BYTES);
    }
    expect(groups.flat()).toEqual(chunks);
  });

  it('reads a composite refused as a whole as an error with its retry class, not as empty answers', () => {
    const sent = [{ method: 'GET', url: '/q', referenceId: 'q0' }];
    const refused = (errorCode: string) => ({
      compositeResponse: [{ httpStatusCode: 400, referenceId: null, body: [{ errorCode, message: 'no' }] }],
    });
    expect(() => readComposite(refused('LIMIT_EXCEEDED'), sent, 'lookup')).toThrow(PermanentError);
    expect(() => readComposite(refused('REQUEST_LIMIT_EXCEEDED'), sent, 'lookup')).toThrow(TransientError);
    expect(() => readComposite({ compositeResponse: [] }, sent, 'lookup')).toThrow(
      /no answer for subrequest q0/,
    );
    expect(() => readComposite({ nope: true }, sent, 'lookup')).toThrow(TransientError);
    const ok = { compositeResponse: [{ httpStatusCode: 200, referenceId: 'q0', body: { records: [] } }] };
    expect(readComposite(ok, sent, 'lookup').get('q0')?.httpStatusCode).toBe(200);
  });
});

describe('error classes', () => {
  const classify = (e: unknown) => classifySalesforceError(e, 'test');
  it('treats limits, locks, 5xx, timeouts and network errors as transient', () => {
    for (const e of [
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
      { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access' },
      { errorCode: 'SERVER_UNAVAILABLE', message: 'down' },
      { errorCode: 'ERROR_HTTP_503', message: 'Service Unavailable' },
      { code: 'ECONNRESET', message: 'socket hang up' },
      { name: 'FetchError', message: 'request to https://x failed, reason: connect ETIMEDOUT' },
      { cause: { code: 'UND_ERR_SOCKET' }, message: 'fetch failed' },
    ])
      expect(classify(e)).toBeInstanceOf(TransientError);
  });

  it('treats validation, bad fields, bad queries and bad credentials as permanent', () => {
    for (const e of [
      { errorCode: 'INVALID_FIELD', message: "No such column 'Foo__c' on entity 'Task'" },
      { errorCode: 'MALFORMED_QUERY', message: 'unexpected token' },
      { errorCode: 'STRING_TOO_LONG', message: 'Subject: data value too large' },
      { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'bad reference' },
      { name: 'invalid_grant', message: 'invalid_grant: authentication failure' },
    ]) {
      const c = classify(e);
      expect(c).toBeInstanceOf(PermanentError);
      expect(c.message).toMatch(/^test: /);
    }
    expect(classify({ errorCode: 'INVALID_FIELD', message: 'x' }).code).toBe('INVALID_FIELD');
  });

  it('names the right an INVALID_TYPE refusal says the user lacks', () => {
    const where = '\nFROM Contact\n     ^\nERROR at Row:1:Column:1\n';
    expect(
      missingReadRight(
        'INVALID_TYPE',
        `${where}sObject type 'Contact' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      ),
    ).toBe('read on Contact');
    expect(
      missingReadRight(
        'INVALID_TYPE',
        "\nERROR at Row:1:Column:60\nDidn't understand relationship 'OpportunityContactRoles' in FROM part of query call.",
      ),
    ).toBe('read on Opportunity (contact roles)');
    // Another relationship, another code or another message: not a right the adapter can name.
    expect(missingReadRight('INVALID_TYPE', "Didn't understand relationship 'Foo__r'")).toBeNull();
    expect(missingReadRight('INVALID_FIELD', "sObject type 'Contact' is not supported.")).toBeNull();
    expect(missingReadRight('INVALID_TYPE', 'something else')).toBeNull();
  });
});

describe('credentials secret', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----';
  it('accepts both flows and trims the login URL', () => {
    expect(
      parseSalesforceSecret(
        {
          authFlow: 'jwt-bearer',
          loginUrl: 'https://login.salesforce.com/',
          clientId: 'c',
          username: 'u@x',
          privateKey: key,
        },
        'test',
      ),
    ).toMatchObject({ authFlow: 'jwt-bearer', loginUrl: 'https://login.salesforce.com' });
    expect(
      parseSalesforceSecret(
        {
          authFlow: 'client-credentials',
          loginUrl: 'https://acme.my.salesforce.com',
          clientId: 'c',
          clientSecret: 's',
        },
        'test',
      ).authFlow,
    ).toBe('client-credentials');
  });

  it('names the bad keys without echoing any value', () => {
    const attempt = () =>
      parseSalesforceSecret(
        {
          authFlow: 'jwt-bearer',
          loginUrl: 'not a url SECRET-URL',
          clientId: 'SECRET-ID',
          privateKey: 'SECRET-KEY',
        },
        'secret capture/acme',
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/secret capture\/acme.*loginUrl.*username.*privateKey/);
      expect(message).not.toMatch(/SECRET-/);
    }
    expect(() => parseSalesforceSecret({ authFlow: 'password', password: 'SECRET-PW' }, 's')).toThrow(
      /^(?!.*SECRET-PW).*authFlow/,
    );
  });
});

/** An S3 stand-in with real conditional-write semantics (fauxqs ignores If-None-Match / If-Match). */
class ConditionalS3 {
  objects = new Map<string, { body: string; etag: string; modified: Date }>();
  now = Date.parse('2026-11-22T10:00:00Z');
  #n = 0;
  async send(command: unknown): Promise<unknown> {
    const fail = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    if (command instanceof PutObjectCommand) {
      const { Key, Body, IfNoneMatch, IfMatch } = command.input;
      const current = this.objects.get(Key!);
      if (IfNoneMatch === '*' && current) throw fail('PreconditionFailed', 412);
      if (IfMatch && current?.etag !== IfMatch) throw fail('PreconditionFailed', 412);
      this.objects.set(Key!, { body: String(Body), etag: `"e${++this.#n}"`, modified: new Date(this.now) });
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const current = this.objects.get(command.input.Key!);
      if (!current) throw fail('NoSuchKey', 404);
      return {
        Body: { transformToString: async () => current.body },
        ETag: current.etag,
        LastModified: current.modified,
      };
    }
    if (command instanceof DeleteObjectCommand) {
      this.objects.delete(command.input.Key!);
      return {};
    }
    throw new Error('unexpected command');
  }
}

describe('S3 dedupe ledger', () => {
  it('lets exactly one caller claim a capture id, records the Task, and frees released claims', async () => {
    const s3 = new ConditionalS3();
    const ledger = new S3DedupeLedger(s3 as unknown as S3Client, 'mail', { now: () => s3.now });
    expect(await ledger.claim('acme', 'c1')).toBe(true);
    expect(await ledger.claim('acme', 'c1')).toBe(false);
    expect(await ledger.claim('other', 'c1')).toBe(true);
    expect(await ledger.get('acme', 'c1')).toEqual({ state: 'pending' });
    await ledger.complete('acme', 'c1', '00T000000000001AAA', 'digest-1');
    expect(await ledger.get('acme', 'c1')).toEqual({
      state: 'done',
      taskId: '00T000000000001AAA',
      source: 'digest-1',
    });
    expect(await ledger.claim('acme', 'c1')).toBe(false);
    expect([...s3.objects.keys()]).toEqual(['ledger/acme/c1', 'ledger/other/c1']);
    await ledger.release('other', 'c1');
    expect(await ledger.get('other', 'c1')).toBeNull();
    expect(await ledger.claim('other', 'c1')).toBe(true);
  });

  it('hands a claim left pending by a crashed writer to one new caller once it is stale', async () => {
    const s3 = new ConditionalS3();
    const ledger = new S3DedupeLedger(s3 as unknown as S3Client, 'mail', {
      staleAfterMs: 60_000,
      now: () => s3.now,
    });
    expect(await ledger.claim('acme', 'c2')).toBe(true);
    s3.now += 30_000;
    expect(await ledger.claim('acme', 'c2')).toBe(false);
    s3.now += 60_000;
    expect(await ledger.claim('acme', 'c2')).toBe(true);
    // The takeover refreshed the claim: a second caller right after loses.
    expect(await ledger.claim('acme', 'c2')).toBe(false);
    // A completed entry is never taken over, however old.
    await ledger.complete('acme', 'c2', '00T000000000002AAA', null);
    // Entries written before the stored message was recorded read back without it.
    expect(await ledger.get('acme', 'c2')).toEqual({
      state: 'done',
      taskId: '00T000000000002AAA',
      source: null,
    });
    s3.now += 3_600_000;
    expect(await ledger.claim('acme', 'c2')).toBe(false);
  });

  it('reports S3 outages as transient', async () => {
    const broken = {
      send: async () =>
        Promise.reject(Object.assign(new Error('down'), { $metadata: { httpStatusCode: 503 } })),
    };
    const ledger = new S3DedupeLedger(broken as unknown as S3Client, 'mail');
    await expect(ledger.claim('acme', 'c3')).rejects.toBeInstanceOf(TransientError);
    await expect(ledger.get('acme', 'c3')).rejects.toBeInstanceOf(TransientError);
  });
});
