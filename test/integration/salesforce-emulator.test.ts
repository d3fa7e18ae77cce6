/** Conformance of the Salesforce emulator, driven through jsforce (the real client) and raw REST. */
// The adapter imports jsforce's modules directly (smaller bundles); the package index, loaded after
// them, sees a half-loaded Connection through a circular require, so tests import the same modules.
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import { OAuth2 } from '@jsforce/jsforce-node/lib/oauth2.js';
// Registers `conn.tooling` (the package index does this for its users).
import '@jsforce/jsforce-node/lib/api/tooling.js';
import { generateKeyPairSync, sign } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceEmulator, startSalesforceEmulator } from '#local/salesforce/server.ts';
import { requestAccessToken } from '#shared/adapters/salesforce/auth.ts';
import { demoSeed, jsforceFor } from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
let conn: Connection;
let privateKey: string;

beforeAll(async () => {
  const keys = await generateKeyPair('RS256', { extractable: true });
  privateKey = await exportPKCS8(keys.privateKey);
  emulator = await startSalesforceEmulator({
    seed: structuredClone(demoSeed),
    jwtCertificate: await exportSPKI(keys.publicKey),
  });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  emulator.reset(structuredClone(demoSeed));
  emulator.setFaults({});
  conn = await jsforceFor(emulator.url);
});

const expectError = async (promise: PromiseLike<unknown>, errorCode: string) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${errorCode}`).toMatchObject({ errorCode });
  return error as { errorCode: string; message: string };
};

describe('auth', () => {
  it('lists API versions and issues tokens for client credentials', async () => {
    const versions = (await (await fetch(`${emulator.url}/services/data`)).json()) as { version: string }[];
    expect(versions.map((v) => v.version)).toContain('62.0');
    expect(conn.accessToken).toMatch(/^00D/);
    const bad = new OAuth2({ clientId: 'local', clientSecret: 'nope', loginUrl: emulator.url });
    await expect(bad.requestToken({ grant_type: 'client_credentials' })).rejects.toMatchObject({
      name: 'invalid_client',
    });
  });

  it('verifies JWT bearer assertions against the configured key', async () => {
    const token = await requestAccessToken({
      authFlow: 'jwt-bearer',
      loginUrl: emulator.url,
      clientId: 'local',
      username: 'alice@acme.example',
      privateKey,
    });
    const jwtConn = new Connection({
      instanceUrl: token.instanceUrl,
      accessToken: token.accessToken,
      version: '62.0',
    });
    expect((await jwtConn.query('SELECT Id FROM User')).totalSize).toBe(4);
    await expect(
      requestAccessToken({
        authFlow: 'jwt-bearer',
        loginUrl: emulator.url,
        clientId: 'local',
        username: 'former@acme.example',
        privateKey,
      }),
    ).rejects.toThrow(/SALESFORCE_AUTH_FAILED|approved/);
    const other = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);
    await expect(
      requestAccessToken({
        authFlow: 'jwt-bearer',
        loginUrl: emulator.url,
        clientId: 'local',
        username: 'alice@acme.example',
        privateKey: other,
      }),
    ).rejects.toThrow(/invalid assertion/);
  });

  it('takes a connected app’s X.509 certificate for JWT bearer as well as a bare public key, and refuses JWT without either', async () => {
    const { publicKey, privateKey: key } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const withCertificate = await startSalesforceEmulator({
      seed: structuredClone(demoSeed),
      jwtCertificate: selfSignedCertificate(publicKey, key),
    });
    const without = await startSalesforceEmulator({ seed: structuredClone(demoSeed) });
    try {
      const jwt = (loginUrl: string) =>
        requestAccessToken({
          authFlow: 'jwt-bearer',
          loginUrl,
          clientId: 'local',
          username: 'alice@acme.example',
          privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
        });
      const token = await jwt(withCertificate.url);
      const jwtConn = new Connection({
        instanceUrl: token.instanceUrl,
        accessToken: token.accessToken,
        version: '62.0',
      });
      expect((await jwtConn.query('SELECT Id FROM User')).totalSize).toBe(4);
      await expect(jwt(without.url)).rejects.toThrow(/no certificate configured/);
    } finally {
      await withCertificate.close();
      await without.close();
    }
  });

  it('answers 401 INVALID_SESSION_ID once sessions expire', async () => {
    emulator.expireSessions();
    await expectError(conn.query('SELECT Id FROM User'), 'INVALID_SESSION_ID');
  });
});

describe('SOQL', () => {
  it('filters with = != IN NOT IN LIKE AND OR NOT and parentheses, case-insensitively', async () => {
    const names = async (where: string) =>
      (
        await conn.query<{ LastName: string }>(
          `SELECT LastName FROM Contact WHERE ${where} ORDER BY LastName`,
        )
      ).records.map((r) => r.LastName);
    expect(await names("Email = 'JANE.DOE@globex.example'")).toEqual(['Doe']);
    expect(await names("Email IN ('carl@globex.example', 'peter@initech.example')")).toEqual([
      'Buyer',
      'Gibbons',
    ]);
    expect(await names("Email NOT IN ('carl@globex.example') AND Email LIKE '%globex%'")).toEqual([
      'Doe',
      "O'Brien",
    ]);
    expect(await names("(LastName = 'Doe' OR LastName = 'Buyer') AND NOT Email LIKE 'carl%'")).toEqual([
      'Doe',
    ]);
    expect(await names("LastName != 'Doe' AND Account.Name = 'Initech'")).toEqual(['Gibbons']);
    expect(await names("Email LIKE 'o\\'brien@%'")).toEqual(["O'Brien"]);
  });

  it('compares with <> < > <= >=, sorts nulls first or last, and reports malformed queries at their row and column', async () => {
    emulator.seed({
      Contact: [
        { LastName: 'Alpha', Phone: '1' },
        { LastName: 'Beta', Phone: '2' },
      ],
    });
    const names = async (soql: string) =>
      (await conn.query<{ LastName: string }>(soql)).records.map((r) => r.LastName);
    const where = (condition: string) =>
      names(`SELECT LastName FROM Contact WHERE ${condition} ORDER BY LastName`);
    expect(await where("LastName <> 'Doe' AND Email LIKE '%globex%'")).toEqual(['Buyer', "O'Brien"]);
    expect(await where("Phone < '2'")).toEqual(['Alpha']);
    expect(await where("Phone > '1'")).toEqual(['Beta']);
    expect(await where("Phone <= '2'")).toEqual(['Alpha', 'Beta']);
    expect(await where("Phone >= '2'")).toEqual(['Beta']);
    // Ascending puts nulls first and descending last, unless NULLS FIRST or LAST says otherwise.
    const order = (by: string) => names(`SELECT LastName FROM Contact ORDER BY ${by}, LastName`);
    const blank = ['Buyer', 'Doe', 'Gibbons', "O'Brien"];
    expect(await order('Phone')).toEqual([...blank, 'Alpha', 'Beta']);
    expect(await order('Phone DESC')).toEqual(['Beta', 'Alpha', ...blank]);
    expect(await order('Phone NULLS LAST')).toEqual(['Alpha', 'Beta', ...blank]);
    expect(await order('Phone DESC NULLS FIRST')).toEqual([...blank, 'Beta', 'Alpha']);
    const error = await expectError(
      conn.query("SELECT Id FROM Contact WHERE Email = = 'x'"),
      'MALFORMED_QUERY',
    );
    expect(error.message).toContain('ERROR at Row:1:Column:38');
  });

  it('returns parent fields nested like Salesforce, with ORDER BY, LIMIT and OFFSET', async () => {
    const r = await conn.query<{ Name: string; Account: { Name: string } }>(
      'SELECT Name, Account.Name FROM Contact ORDER BY Name DESC LIMIT 2 OFFSET 1',
    );
    expect(r.records.map((c) => [c.Name, c.Account.Name])).toEqual([
      ['Peter Gibbons', 'Initech'],
      ['Jane Doe', 'Globex Corporation'],
    ]);
    expect(r.records[0]).toHaveProperty('attributes.type', 'Contact');
    expect((await conn.query('SELECT COUNT() FROM Lead')).totalSize).toBe(1);
  });

  it('pages results 2000 at a time through nextRecordsUrl, and queryAll sees deleted rows', async () => {
    emulator.seed({ Account: Array.from({ length: 4500 }, (_, i) => ({ Name: `Bulk ${i}` })) });
    const first = await conn.query("SELECT Id FROM Account WHERE Name LIKE 'Bulk %'", { autoFetch: false });
    expect([first.totalSize, first.records.length, first.done]).toEqual([4500, 2000, false]);
    expect(first.nextRecordsUrl).toMatch(/\/query\/[^/]+-2000$/);
    const second = await conn.queryMore(first.nextRecordsUrl!);
    const third = await conn.queryMore(second.nextRecordsUrl!);
    expect([second.records.length, third.records.length, third.done]).toEqual([2000, 500, true]);

    const lead = await conn.query<{ Id: string }>('SELECT Id FROM Lead');
    await conn.sobject('Lead').destroy(lead.records[0]!.Id);
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(0);
    expect(
      (await conn.query('SELECT Id FROM Lead WHERE IsDeleted = true', { scanAll: true })).totalSize,
    ).toBe(1);
  });

  it('keeps escaped quotes, backslashes and wildcards inside the literal', async () => {
    expect((await conn.query("SELECT Id FROM Contact WHERE Email = 'x\\' OR Email != \\'y'")).totalSize).toBe(
      0,
    );
    expect((await conn.query("SELECT Id FROM Contact WHERE Email = '\\\\'")).totalSize).toBe(0);
    expect((await conn.query("SELECT Id FROM Contact WHERE Email LIKE '\\%'")).totalSize).toBe(0);
  });

  it('rejects malformed queries, unknown fields and objects as Salesforce does', async () => {
    await expectError(conn.query("SELECT Id FROM Contact WHERE Email = 'unterminated"), 'MALFORMED_QUERY');
    await expectError(conn.query("SELECT Id FROM Contact WHERE Email = 'x' OR"), 'MALFORMED_QUERY');
    await expectError(conn.query("SELECT Id FROM Contact WHERE Email = 'bad \\q escape'"), 'MALFORMED_QUERY');
    await expectError(conn.query('SELECT Nope FROM Contact'), 'INVALID_FIELD');
    await expectError(conn.query('SELECT Id FROM Nope'), 'INVALID_TYPE');
  });
});

describe('sObjects', () => {
  it('creates, reads, updates and deletes with real key prefixes and 18-character ids', async () => {
    const account = await conn.sobject('Account').create({ Name: 'Hooli' });
    expect(account.id).toMatch(/^001[a-zA-Z0-9]{15}$/);
    const read = await conn.sobject('Account').retrieve(account.id!);
    expect(read).toMatchObject({ Name: 'Hooli' });
    await conn.sobject('Account').update({ Id: account.id!, Name: 'Hooli XYZ' });
    expect((await conn.sobject('Account').retrieve(account.id!)).Name).toBe('Hooli XYZ');
    await conn.sobject('Account').destroy(account.id!);
    await expectError(conn.sobject('Account').retrieve(account.id!), 'NOT_FOUND');
  });

  it('validates like Salesforce: required fields, lengths, reference types, picklists', async () => {
    const owner = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'alice@acme.example'"))
      .records[0]!.Id;
    const lead = (await conn.query<{ Id: string }>('SELECT Id FROM Lead')).records[0]!.Id;
    await expectError(conn.sobject('Contact').create({ FirstName: 'No' }), 'REQUIRED_FIELD_MISSING');
    await expectError(
      conn.sobject('Task').create({ OwnerId: owner, Subject: 'x'.repeat(256) }),
      'STRING_TOO_LONG',
    );
    await expectError(
      conn.sobject('Task').create({ OwnerId: owner, Description: 'x'.repeat(32_001) }),
      'STRING_TOO_LONG',
    );
    await expectError(
      conn.sobject('Task').create({ OwnerId: owner, WhatId: lead }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      conn.sobject('Task').create({ OwnerId: owner, TaskSubtype: 'Carrier pigeon' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    await expectError(conn.sobject('Task').create({ OwnerId: owner, Bogus__c: 'x' }), 'INVALID_FIELD');
    const ok = await conn
      .sobject('Task')
      .create({ OwnerId: owner, Subject: 'x'.repeat(255), TaskSubtype: 'Email' });
    expect(ok.success).toBe(true);
  });

  it('answers errors in Salesforce’s shapes: fields with a record’s error, statusCode per Collections record, a subrequest’s in its subresponse', async () => {
    const api = (path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) =>
      fetch(`${emulator.url}/services/data/v62.0${path}`, {
        method: init.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? conn.accessToken}` }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    const single = await api('/sobjects/Contact', { body: { FirstName: 'No' } });
    expect(single.status).toBe(400);
    expect(await single.json()).toEqual([
      { message: expect.any(String), errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] },
    ]);
    const collection = await api('/composite/sobjects', {
      body: { records: [{ attributes: { type: 'Contact' }, FirstName: 'No' }] },
    });
    expect(collection.status).toBe(200);
    expect(await collection.json()).toEqual([
      {
        id: null,
        success: false,
        errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: expect.any(String), fields: ['LastName'] }],
      },
    ]);
    const composite = await api('/composite', {
      body: {
        compositeRequest: [
          {
            method: 'POST',
            url: '/services/data/v62.0/sobjects/Contact',
            referenceId: 'c',
            body: { FirstName: 'No' },
          },
        ],
      },
    });
    expect(composite.status).toBe(200);
    expect(await composite.json()).toEqual({
      compositeResponse: [
        {
          body: [{ message: expect.any(String), errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId: 'c',
        },
      ],
    });
    // A refusal of the request itself (session, limits, size) names no fields.
    const anonymous = await api('/query?q=SELECT+Id+FROM+User', { method: 'GET', token: null });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual([
      { message: expect.any(String), errorCode: 'INVALID_SESSION_ID' },
    ]);
  });

  it('describes objects with types, lengths, references and external ids', async () => {
    const task = await conn.sobject('Task').describe();
    const field = (name: string) => task.fields.find((f) => f.name === name);
    expect(field('Subject')).toMatchObject({ type: 'string', length: 255 });
    expect(field('Description')).toMatchObject({ type: 'textarea', length: 32000 });
    expect(field('WhoId')).toMatchObject({ type: 'reference', referenceTo: ['Contact', 'Lead'] });
    expect(field('Capture_Id__c')).toBeUndefined();
  });
});

describe('composite, collections and tooling', () => {
  it('adds custom fields through the Tooling API, once, and never Unique on an activity', async () => {
    await expectError(
      conn.request({
        method: 'POST',
        url: '/services/data/v62.0/tooling/sobjects/CustomField',
        body: JSON.stringify({
          FullName: 'Activity.Capture_Id__c',
          Metadata: { type: 'Text', length: 255, externalId: true, unique: true },
        }),
        headers: { 'content-type': 'application/json' },
      }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const body = {
      FullName: 'Activity.Capture_Id__c',
      Metadata: { label: 'Capture Id', type: 'Text', length: 255, externalId: true },
    };
    const created = await conn.request<{ success: boolean }>({
      method: 'POST',
      url: '/services/data/v62.0/tooling/sobjects/CustomField',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.success).toBe(true);
    await expectError(
      conn.request({
        method: 'POST',
        url: '/services/data/v62.0/tooling/sobjects/CustomField',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
      'DUPLICATE_DEVELOPER_NAME',
    );
    const fields = await conn.tooling.query<{ DeveloperName: string }>(
      "SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = 'Activity'",
    );
    expect(fields.records.map((f) => f.DeveloperName)).toEqual(['Capture_Id']);
    expect(
      (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Capture_Id__c'),
    ).toMatchObject({ externalId: true });
  });

  it('upserts collections on a non-unique external id, and refuses a key that matches two records', async () => {
    const body = {
      FullName: 'Activity.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true },
    };
    await conn.request({
      method: 'POST',
      url: '/services/data/v62.0/tooling/sobjects/CustomField',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const owner = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'alice@acme.example'"))
      .records[0]!.Id;
    const upsert = (records: Record<string, unknown>[]) =>
      conn.request<{ id: string; success: boolean; created: boolean; errors: { statusCode: string }[] }[]>({
        method: 'PATCH',
        url: '/services/data/v62.0/composite/sobjects/Task/Capture_Id__c',
        body: JSON.stringify({
          allOrNone: false,
          records: records.map((r) => ({ attributes: { type: 'Task' }, OwnerId: owner, ...r })),
        }),
        headers: { 'content-type': 'application/json' },
      });
    const first = await upsert([
      { Capture_Id__c: 'abc', Subject: 'one' },
      { Capture_Id__c: 'def', Subject: 'two' },
    ]);
    expect(first.map((r) => [r.success, r.created])).toEqual([
      [true, true],
      [true, true],
    ]);
    const second = await upsert([{ Capture_Id__c: 'ABC', Subject: 'one again' }, { Subject: 'no key' }]);
    expect(second[0]).toMatchObject({ success: true, created: false, id: first[0]!.id });
    expect(second[1]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    const dup = await conn.request<{ success: boolean; errors: { statusCode: string }[] }[]>({
      method: 'POST',
      url: '/services/data/v62.0/composite/sobjects',
      body: JSON.stringify({
        records: [{ attributes: { type: 'Task' }, OwnerId: owner, Capture_Id__c: 'def' }],
      }),
      headers: { 'content-type': 'application/json' },
    });
    // Not Unique: a second Task with the key is taken, and an upsert on it no longer knows which to update.
    expect(dup[0]).toMatchObject({ success: true });
    expect(emulator.records('Task')).toHaveLength(3);
    const ambiguous = await upsert([{ Capture_Id__c: 'def', Subject: 'which?' }]);
    expect(ambiguous[0]).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] });
  });

  it('runs composite subrequests with references and rolls back allOrNone', async () => {
    const post = (body: unknown) =>
      conn.request<{ compositeResponse: { httpStatusCode: number; body: unknown }[] }>({
        method: 'POST',
        url: '/services/data/v62.0/composite',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const ok = await post({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'acct',
          body: { Name: 'Composite Co' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'ct',
          body: { LastName: 'Ref', AccountId: '@{acct.id}' },
        },
        {
          method: 'GET',
          url: "/services/data/v62.0/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+LastName='Ref'",
          referenceId: 'q',
        },
        {
          method: 'GET',
          url: '/services/data/v62.0/sobjects/Account/@{q.records[0].Account.attributes.url}',
          referenceId: 'bad',
        },
      ].slice(0, 3),
    });
    expect(ok.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 201, 200]);
    expect(ok.compositeResponse[2]?.body).toMatchObject({ records: [{ Account: { Name: 'Composite Co' } }] });
    const rolledBack = await post({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'a',
          body: { Name: 'Ghost' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'c',
          body: { FirstName: 'No last name' },
        },
      ],
    });
    expect(rolledBack.compositeResponse.map((r) => r.httpStatusCode)).toEqual([400, 400]);
    expect(JSON.stringify(rolledBack.compositeResponse[0]?.body)).toContain('PROCESSING_HALTED');
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Ghost'")).totalSize).toBe(0);
    const tooMany = await post({
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'never',
          body: { Name: 'Never Run' },
        },
        ...Array.from({ length: 25 }, (_, i) => ({
          method: 'GET',
          url: '/services/data/v62.0/limits',
          referenceId: `r${i}`,
        })),
      ],
    });
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Never Run'")).totalSize).toBe(0);
    expect(tooMany.compositeResponse).toEqual([
      {
        body: [{ errorCode: 'LIMIT_EXCEEDED', message: expect.stringContaining('25') }],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId: null,
      },
    ]);
  });

  it('publishes ContentVersions to the record they name', async () => {
    const owner = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'alice@acme.example'"))
      .records[0]!.Id;
    const task = await conn.sobject('Task').create({ OwnerId: owner, Subject: 'with file' });
    const file = await conn.sobject('ContentVersion').create({
      Title: 'quote',
      PathOnClient: 'quote.pdf',
      VersionData: Buffer.from('pdf').toString('base64'),
      FirstPublishLocationId: task.id,
    });
    const version = await conn.sobject('ContentVersion').retrieve(file.id!);
    expect(version).toMatchObject({ ContentSize: 3, ContentDocumentId: expect.stringMatching(/^069/) });
    const links = await conn.query<{ LinkedEntityId: string }>(
      `SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${version.ContentDocumentId}'`,
    );
    expect(links.records.map((l) => l.LinkedEntityId)).toEqual([task.id]);
  });
});

describe('limits and faults', () => {
  it('counts every API request in limits and Sforce-Limit-Info', async () => {
    const before = emulator.apiRequestCount();
    await conn.query('SELECT Id FROM User');
    const response = await fetch(`${emulator.url}/services/data/v62.0/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(response.headers.get('sforce-limit-info')).toBe(`api-usage=${before + 2}/100000`);
    expect(await response.json()).toMatchObject({
      DailyApiRequests: { Max: 100000, Remaining: 100000 - before - 2 },
    });
  });

  it('limits faults to the requests only names, and repeats the same faults for the same seed', async () => {
    emulator.setFaults({
      rates: { SERVER_ERROR: 1 },
      only: { method: 'POST', path: /^\/sobjects\/Account$/ },
    });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(4);
    expect((await conn.sobject('Contact').create({ LastName: 'Spared' })).success).toBe(true);
    await expectError(conn.sobject('Account').create({ Name: 'Refused' }), 'SERVER_UNAVAILABLE');
    const pattern = async () => {
      emulator.setFaults({ rates: { SERVER_ERROR: 0.5 }, seed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        const response = await fetch(`${emulator.url}/services/data/v62.0/limits`, {
          headers: { authorization: `Bearer ${conn.accessToken}` },
        });
        statuses.push(response.status);
      }
      return statuses;
    };
    const first = await pattern();
    expect(new Set(first)).toEqual(new Set([200, 503]));
    expect(await pattern()).toEqual(first);
  });

  it('injects each fault with Salesforce status codes and bodies', async () => {
    const get = (signal?: AbortSignal) =>
      fetch(`${emulator.url}/services/data/v62.0/query?q=SELECT+Id+FROM+User`, {
        headers: { authorization: `Bearer ${conn.accessToken}` },
        ...(signal ? { signal } : {}),
      });
    const cases = [
      ['SERVER_ERROR', 503, 'SERVER_UNAVAILABLE'],
      ['REQUEST_LIMIT_EXCEEDED', 403, 'REQUEST_LIMIT_EXCEEDED'],
      ['INVALID_SESSION_ID', 401, 'INVALID_SESSION_ID'],
    ] as const;
    for (const [fault, status, code] of cases) {
      emulator.setFaults({ rates: { [fault]: 1 } });
      const response = await get();
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual([{ message: expect.any(String), errorCode: code }]);
      emulator.setFaults({});
    }
    // The injected INVALID_SESSION_ID also ended the session.
    await expectError(conn.query('SELECT Id FROM User'), 'INVALID_SESSION_ID');
    conn = await jsforceFor(emulator.url);
    emulator.setFaults({ rates: { UNABLE_TO_LOCK_ROW: 1 } });
    await expectError(conn.sobject('Account').create({ Name: 'Locked' }), 'UNABLE_TO_LOCK_ROW');
    emulator.setFaults({ rates: { DROP_CONNECTION: 1 } });
    await expect(get()).rejects.toThrow();
    // Latency holds the response back: a client that gives up first gets nothing.
    emulator.setFaults({ latencyMs: 1_000 });
    await expect(get(AbortSignal.timeout(50))).rejects.toThrow();
    emulator.setFaults({});
    await conn.query('SELECT Id FROM User');
    expect(emulator.faultsInjected()).toBe(5);
  });
});

/** A self-signed X.509 certificate for `publicKey` (DER built by hand: Node can read certificates, not make them). */
function selfSignedCertificate(
  publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'],
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'],
): string {
  const der = (tag: number, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    const size: number[] = [];
    for (let n = body.length; n > 0; n >>= 8) size.unshift(n & 0xff);
    const length = body.length < 0x80 ? [body.length] : [0x80 | size.length, ...size];
    return Buffer.concat([Buffer.from([tag, ...length]), body]);
  };
  const seq = (...parts: Buffer[]) => der(0x30, ...parts);
  const sha256WithRsa = seq(der(0x06, Buffer.from('2a864886f70d01010b', 'hex')), der(0x05));
  const name = seq(
    der(0x31, seq(der(0x06, Buffer.from('550403', 'hex')), der(0x0c, Buffer.from('capture-test')))),
  );
  const time = (t: string) => der(0x17, Buffer.from(t));
  const tbs = seq(
    der(0x02, Buffer.from([1])),
    sha256WithRsa,
    name,
    seq(time('250101000000Z'), time('491231000000Z')),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const certificate = seq(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), sign('sha256', tbs, privateKey)));
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
