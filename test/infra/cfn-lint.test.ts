/**
 * cfn-lint (AWS's CloudFormation linter, `pip install cfn-lint`) on the synthesized template,
 * when it is installed; skipped otherwise, so `npm test` needs nothing but npm packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { testStack } from '../support/cdk.ts';

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const installed = cfnLint.status === 0;

describe.skipIf(!installed)('cfn-lint', () => {
  it('finds nothing wrong with the synthesized template', { timeout: 120_000 }, () => {
    const { stack } = testStack();
    const file = join(mkdtempSync(join(tmpdir(), 'capture-cfn-lint-')), 'Capture.template.json');
    writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
    // W3005: aws-cdk-lib makes every function DependsOn its role although the GetAtt already does.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
