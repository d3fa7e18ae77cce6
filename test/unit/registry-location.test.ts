/**
 * Which org registry a local tool reads (shared/config/registry-location.ts): --config, then
 * CAPTURE_CONFIG, then orgs.json in the current folder; the demo registry only for tools that
 * read, and a missing file's hint naming every way to give one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_REGISTRY_PATH,
  missingRegistryHint,
  registryLocation,
} from '#shared/config/registry-location.ts';

const empty = () => mkdtempSync(join(tmpdir(), 'capture-registry-'));

describe('registry location', () => {
  it('takes --config, then CAPTURE_CONFIG, then orgs.json in the current folder', () => {
    const cwd = empty();
    writeFileSync(join(cwd, 'orgs.json'), '{}');
    const env = { CAPTURE_CONFIG: '/etc/capture/orgs.json' };
    expect(registryLocation({ flag: 'mine.json', env, cwd, demoFallback: true })).toEqual({
      path: 'mine.json',
      source: 'flag',
    });
    expect(registryLocation({ env, cwd, demoFallback: true })).toEqual({
      path: '/etc/capture/orgs.json',
      source: 'env',
    });
    expect(registryLocation({ env: {}, cwd, demoFallback: true })).toEqual({
      path: 'orgs.json',
      source: 'cwd',
    });
  });

  it('falls back to the demo registry only for tools that read, where no orgs.json exists', () => {
    const cwd = empty();
    expect(registryLocation({ env: {}, cwd, demoFallback: true })).toEqual({
      path: DEMO_REGISTRY_PATH,
      source: 'demo',
    });
    expect(registryLocation({ env: {}, cwd, demoFallback: false })).toEqual({
      path: 'orgs.json',
      source: 'cwd',
    });
  });

  it('a missing default registry names --config, CAPTURE_CONFIG and orgs.json in the current folder', () => {
    const hint = missingRegistryHint({ path: 'orgs.json', source: 'cwd' });
    expect(hint).toContain('--config');
    expect(hint).toContain('CAPTURE_CONFIG');
    expect(hint).toContain('orgs.json in the current folder');
    expect(missingRegistryHint({ path: 'x.json', source: 'env' })).toBe(
      'check the path given by CAPTURE_CONFIG',
    );
  });
});
