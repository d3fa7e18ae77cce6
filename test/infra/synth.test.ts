/**
 * The real `cdk synth -q`, offline, bundling both functions with the local esbuild (never Docker):
 * it must finish well under a minute, bundle the registry as orgs.json, and a bad or missing
 * registry must stop it with one line (the file and the field; what to pass).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'node_modules/.bin');

function cdkSynth(...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'capture-synth-'));
  const result = spawnSync(join(bin, 'cdk'), ['synth', '-q', '--no-notices', '-o', out, ...args], {
    cwd: repo,
    encoding: 'utf8',
    // node_modules/.bin first: the app runs on the project's Node 22 (`node infra/app.ts`).
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    timeout: 120_000,
  });
  return { ...result, out };
}

describe('cdk synth', () => {
  it('synthesizes and bundles both functions offline, without Docker', { timeout: 120_000 }, () => {
    const result = cdkSynth('-c', 'orgsFile=local/demo/orgs.json');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/docker/i);
    const template = JSON.parse(readFileSync(join(result.out, 'Capture.template.json'), 'utf8'));
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Runtime?: string } }>,
    );
    const functions = resources.filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x',
    );
    // parse, sync and the rule-set activation handler (the Provider framework's runtime is aws-cdk-lib's).
    expect(functions).toHaveLength(3);
    const registry = readFileSync(join(repo, 'local/demo/orgs.json'), 'utf8');
    const assets = readdirSync(result.out).filter((d) => existsSync(join(result.out, d, 'index.mjs')));
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const dir = join(result.out, asset);
      expect(readFileSync(join(dir, 'orgs.json'), 'utf8')).toBe(registry);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __cr } from 'node:module'")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    }
  });

  it('stops without a registry with one line saying what to pass, never using the demo', {
    timeout: 60_000,
  }, () => {
    const result = cdkSynth();
    expect(result.status).not.toBe(0);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([expect.stringContaining('orgsFile is required: pass -c orgsFile=')]);
    expect(existsSync(join(result.out, 'Capture.template.json'))).toBe(false);
  });

  it('stops on a bad registry with one line naming the file and the field', { timeout: 60_000 }, () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'capture-bad-')), 'orgs.json');
    writeFileSync(bad, JSON.stringify({ captureDomain: 'capture.example.com', orgs: [{ id: 'acme' }] }));
    const result = cdkSynth('-c', `orgsFile=${bad}`);
    expect(result.status).not.toBe(0);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(bad);
    expect(errors[0]).toContain('orgs.0.internalDomains');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(result.out, 'Capture.template.json'))).toBe(false);
  });
});
