import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegistry, type RegistryInput, resolveCaptureAddress } from '#shared/config/registry.ts';
import { loadRegistryFile, readRegistryDocument, writeRegistryFile } from '#shared/config/registry-file.ts';
import { isInternalAddress } from '#shared/domain/internal-address.ts';
import { ConfigError } from '#shared/errors.ts';

const valid = {
  captureDomain: 'Capture.Example.com',
  orgs: [
    {
      id: 'acme',
      internalDomains: ['Acme.com'],
      defaultOwnerEmail: 'OPS@acme.com',
      addresses: [
        { token: 'acme-K7Q2M9X4P8W3', mode: 'bcc' },
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
};

describe('org registry', () => {
  const registry = parseRegistry(valid);

  it('applies defaults and lower-cases domains, tokens and owner', () => {
    const acme = registry.orgs[0]!;
    expect(registry.captureDomain).toBe('capture.example.com');
    expect(acme.addresses[0]?.token).toBe('acme-k7q2m9x4p8w3');
    expect(acme.defaultOwnerEmail).toBe('ops@acme.com');
    expect(acme.unmatched).toBe('unresolved');
    expect(acme.orderNumbers.lookup).toEqual({ object: 'Order', field: 'OrderNumber' });
    expect(isInternalAddress(acme, 'bob@EU.acme.com')).toBe(true);
    expect(isInternalAddress(acme, 'bob@notacme.com')).toBe(false);
  });

  it('fills every nested setting an org leaves out from its one declared default', () => {
    const acme = registry.orgs[0]!;
    expect(acme.matching).toEqual({ duplicates: 'oldest' });
    expect(acme.orderNumbers).toEqual({
      patterns: [],
      useDefaults: true,
      lookup: { object: 'Order', field: 'OrderNumber' },
    });
    expect(acme.privacy).toEqual({
      excludedDomains: [],
      excludedAddresses: [],
      privateTag: '#private',
      maskCardNumbers: true,
    });
    expect(acme.attachments).toEqual({ upload: true, maxBytes: 25 * 1024 * 1024 });
    expect(acme.salesforce).toEqual({ enhancedEmail: false, maxConcurrency: 2, apiBudgetPercent: 80 });
    expect(acme.notices).toEqual({ enabled: true, adminEmails: [], digestHour: 8 });
    // A partial object keeps what it says and gets the rest.
    const partial = parseRegistry({
      ...valid,
      orgs: [
        {
          ...valid.orgs[0],
          salesforce: { apiBudgetPercent: 50 },
          orderNumbers: { lookup: { object: 'Opportunity' } },
          notices: { digestHour: 6 },
        },
      ],
    }).orgs[0]!;
    expect(partial.salesforce).toEqual({ enhancedEmail: false, maxConcurrency: 2, apiBudgetPercent: 50 });
    expect(partial.orderNumbers.lookup).toEqual({ object: 'Opportunity', field: 'OrderNumber' });
    expect(partial.notices).toEqual({ enabled: true, adminEmails: [], digestHour: 6 });
  });

  it('resolves capture addresses case-insensitively with a sub-address target', () => {
    const r = resolveCaptureAddress(registry, '<ACME-k7q2m9x4p8w3+SO-104233@CAPTURE.example.com>');
    expect(r).toMatchObject({ ok: true, org: { id: 'acme' }, address: { mode: 'bcc' }, target: 'SO-104233' });
    expect(resolveCaptureAddress(registry, 'acme-inbox-3n8v5t2r6y1z@capture.example.com')).toMatchObject({
      ok: true,
      target: null,
      address: { mode: 'forward' },
    });
  });

  it('answers unknown tokens, disabled orgs and other domains with a typed rejection', () => {
    expect(resolveCaptureAddress(registry, 'acme-000000000000@capture.example.com')).toMatchObject({
      ok: false,
      reason: 'unknown-token',
    });
    expect(resolveCaptureAddress(registry, 'globex-a1b2c3d4e5f6@capture.example.com')).toMatchObject({
      ok: false,
      reason: 'org-disabled',
      orgId: 'globex',
    });
    expect(resolveCaptureAddress(registry, 'acme-k7q2m9x4p8w3@acme.com')).toMatchObject({
      ok: false,
      reason: 'not-capture-domain',
    });
    expect(resolveCaptureAddress(registry, 'no-at-sign')).toMatchObject({
      ok: false,
      reason: 'malformed-address',
    });
  });

  it('names every bad field: guessable tokens, duplicate tokens, bad regexes', () => {
    const bad = structuredClone(valid) as typeof valid & { orgs: Record<string, unknown>[] };
    (bad.orgs[0] as { addresses: unknown[] }).addresses = [
      { token: 'acme-short', mode: 'bcc' },
      { token: 'globex-a1b2c3d4e5f6', mode: 'carrier-pigeon' },
    ];
    (bad.orgs[1] as Record<string, unknown>).orderNumbers = { patterns: ['[unclosed'] };
    try {
      parseRegistry(bad, 'orgs.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/^invalid org registry orgs\.json: /);
      expect(message).toContain('orgs.0.addresses.0.token');
      expect(message).toContain('orgs.0.addresses.1.mode');
      expect(message).toContain('orgs.1.orderNumbers.patterns.0: is not a valid regular expression');
    }
  });

  it('loads a file and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(valid));
    expect(loadRegistryFile(good).orgs).toHaveLength(2);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "captureDomain": ');
    expect(() => loadRegistryFile(broken)).toThrow(/broken\.json: not valid JSON/);
    expect(() => loadRegistryFile(join(dir, 'missing.json'))).toThrow(/missing\.json: file not found/);
    const dup = join(dir, 'dup.json');
    const twice = structuredClone(valid);
    twice.orgs[1]!.addresses[0]!.token = 'acme-inbox-3n8v5t2r6y1z';
    writeFileSync(dup, JSON.stringify(twice));
    expect(() => loadRegistryFile(dup)).toThrow(
      /dup\.json: orgs\.1\.addresses\.0\.token: token "acme-inbox-3n8v5t2r6y1z" is already used by org "acme"/,
    );
  });

  it('refuses a retired address from its retiresAt on, after the org-disabled check', () => {
    const retiring = structuredClone(valid) as typeof valid & {
      orgs: { addresses: { token: string; mode: string; retiresAt?: string }[] }[];
    };
    retiring.orgs[0]!.addresses[0]!.retiresAt = '2026-12-01T00:00:00+01:00';
    retiring.orgs[1]!.addresses[0]!.retiresAt = '2026-01-01T00:00:00Z';
    const registry = parseRegistry(retiring);
    const old = 'acme-k7q2m9x4p8w3+SO-1@capture.example.com';
    expect(resolveCaptureAddress(registry, old, new Date('2026-11-30T22:59:59Z'))).toMatchObject({
      ok: true,
      target: 'SO-1',
    });
    expect(resolveCaptureAddress(registry, old, new Date('2026-11-30T23:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'retired-address',
      orgId: 'acme',
    });
    expect(
      resolveCaptureAddress(
        registry,
        'globex-a1b2c3d4e5f6@capture.example.com',
        new Date('2027-01-01T00:00:00Z'),
      ),
    ).toMatchObject({ ok: false, reason: 'org-disabled' });
    retiring.orgs[0]!.addresses[0]!.retiresAt = 'next month';
    expect(() => parseRegistry(retiring, 'orgs.json')).toThrow(/orgs\.0\.addresses\.0\.retiresAt/);
  });

  it('rewrites a file whole, keeping fields it does not know, and never writes an invalid one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-write-'));
    const path = join(dir, 'orgs.json');
    writeFileSync(path, JSON.stringify({ ...valid, comment: 'kept' }));
    const { document, registry } = readRegistryDocument(path);
    expect(registry.orgs).toHaveLength(2);
    document.orgs[1]!.enabled = true;
    const replaced = statSync(path).ino;
    expect(writeRegistryFile(path, document).orgs[1]!.enabled).toBe(true);
    // A new file renamed over the old one (readers see one or the other), indented by two spaces.
    expect(statSync(path).ino).not.toBe(replaced);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(document, null, 2)}\n`);
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(written.comment).toBe('kept');
    expect(written.orgs[0].addresses[0].token).toBe('acme-K7Q2M9X4P8W3');
    expect(written.orgs[0]).not.toHaveProperty('unmatched');

    const before = readFileSync(path, 'utf8');
    document.orgs[0]!.addresses = [];
    expect(() => writeRegistryFile(path, document)).toThrow(/orgs\.0\.addresses: needs at least one/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(() => writeRegistryFile(join(dir, 'no-such-dir', 'orgs.json'), valid as RegistryInput)).toThrow(
      /cannot be written/,
    );
    expect(readdirSync(dir)).toEqual(['orgs.json']);
  });

  it('writes nothing when the file changed since it was read, so no edit is lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-race-'));
    const path = join(dir, 'orgs.json');
    writeFileSync(path, JSON.stringify(valid));
    const mine = readRegistryDocument(path);
    const theirs = readRegistryDocument(path);
    theirs.document.orgs[0]!.name = 'theirs';
    writeRegistryFile(path, theirs.document, theirs.text);
    mine.document.orgs[0]!.name = 'mine';
    expect(() => writeRegistryFile(path, mine.document, mine.text)).toThrow(/changed while this command ran/);
    expect(() => writeRegistryFile(path, mine.document, null)).toThrow(/changed while this command ran/);
    expect(loadRegistryFile(path).orgs[0]!.name).toBe('theirs');
    expect(readdirSync(dir)).toEqual(['orgs.json']);
  });
});
