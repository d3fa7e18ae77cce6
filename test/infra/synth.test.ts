/**
 * The real `cdk synth -q`, offline, bundling the functions with the local esbuild (never Docker),
 * on a registry written only by `capture org` (new file, a second org, a rotation with retiring
 * and retired addresses, a disabled org): the registry is bundled as written, as orgs.json, beside
 * each function. A missing or bad registry stops synth with one line (what to pass; the file and
 * the field). One bundling synth for the whole suite: the stack's resources are checked in-process
 * (stack.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo, runCapture } from '../support/cli.ts';

const bin = join(repo, 'node_modules/.bin');

function cdkSynth(...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'capture-synth-'));
  const result = spawnSync(join(bin, 'cdk'), ['synth', '-q', '--no-notices', '-o', out, ...args], {
    cwd: repo,
    encoding: 'utf8',
    // node_modules/.bin first: the app runs on the project's Node 22 (`node infra/app.ts`).
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    timeout: 170_000,
  });
  return { ...result, out };
}

/** `capture org …` in `dir`, which must succeed quietly. */
async function org(dir: string, ...args: string[]) {
  const result = await runCapture(['org', ...args], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

describe('cdk synth', () => {
  it('synthesizes and bundles the functions offline, without Docker, with a registry written by capture org', {
    timeout: 180_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-org-synth-'));
    const orgsFile = join(dir, 'orgs.json');
    await org(
      dir,
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--forward',
      '--capture-domain',
      'in.example.org',
    );
    await org(dir, 'add', 'gamma', '--domain', 'gamma.example', '--owner', 'sales@gamma.example');
    await org(dir, 'rotate', 'beta', '--retire-in', '0');
    await org(dir, 'rotate', 'beta', '--mode', 'forward');
    await org(dir, 'disable', 'gamma');

    const result = cdkSynth('-c', `orgsFile=${orgsFile}`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/docker/i);
    const templateText = readFileSync(join(result.out, 'Capture.template.json'), 'utf8');
    expect(templateText).toContain('in.example.org');
    const template = JSON.parse(templateText);
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Runtime?: string } }>,
    );
    const functions = resources.filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x',
    );
    // parse, sync, notices and the rule-set activation handler (the Provider framework's runtime is aws-cdk-lib's).
    expect(functions).toHaveLength(4);
    const written = readFileSync(orgsFile, 'utf8');
    const assets = readdirSync(result.out).filter((d) => existsSync(join(result.out, d, 'index.mjs')));
    expect(assets).toHaveLength(3);
    for (const asset of assets) {
      const assetDir = join(result.out, asset);
      expect(readFileSync(join(assetDir, 'orgs.json'), 'utf8')).toBe(written);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
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
