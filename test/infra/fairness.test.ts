/**
 * The stack refuses an org limit that would let one org hold every sync slot. (The per-org alarms
 * and dashboard are asserted on the stack's template in stack.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { demoOrgsFile, testStack } from '../support/cdk.ts';

describe('fairness between orgs in the stack', () => {
  it('refuses an org that could hold every sync slot', () => {
    const [acme] = loadRegistryFile(demoOrgsFile).orgs;
    const greedy = parseRegistry({
      captureDomain: 'capture.localhost',
      orgs: [{ ...acme, salesforce: { maxConcurrency: 5 } }],
    });
    expect(() => testStack({ props: { registry: greedy } })).toThrow(
      /org acme: salesforce.maxConcurrency 5 must be below the sync function's maxConcurrency 5/,
    );
  });
});
