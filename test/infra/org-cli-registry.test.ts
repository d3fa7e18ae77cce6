/**
 * A registry written only by `capture org` (new file, a second org, a rotation with retiring and
 * retired addresses, a disabled org) goes through the real `cdk synth` and is bundled as written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'node_modules/.bin');

function capture(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(repo, 'bin/capture.js'), 'org', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

it('cdk synth accepts and bundles a registry written by capture org', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-org-synth-'));
  const orgsFile = join(dir, 'orgs.json');
  capture(dir, 'add', 'beta', '--domain', 'beta.example', '--forward', '--capture-domain', 'in.example.org');
  capture(dir, 'add', 'gamma', '--domain', 'gamma.example', '--owner', 'sales@gamma.example');
  capture(dir, 'rotate', 'beta', '--retire-in', '0');
  capture(dir, 'rotate', 'beta', '--mode', 'forward');
  capture(dir, 'disable', 'gamma');

  const out = mkdtempSync(join(tmpdir(), 'capture-org-synth-out-'));
  const result = spawnSync(
    join(bin, 'cdk'),
    ['synth', '-q', '--no-notices', '-o', out, '-c', `orgsFile=${orgsFile}`],
    {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      timeout: 170_000,
    },
  );
  expect(result.status, result.stderr).toBe(0);
  const written = readFileSync(orgsFile, 'utf8');
  const assets = readdirSync(out).filter((d) => existsSync(join(out, d, 'orgs.json')));
  expect(assets).toHaveLength(2);
  for (const asset of assets) expect(readFileSync(join(out, asset, 'orgs.json'), 'utf8')).toBe(written);
  const template = readFileSync(join(out, 'Capture.template.json'), 'utf8');
  expect(template).toContain('in.example.org');
});
