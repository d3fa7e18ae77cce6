/**
 * The stack as the infra tests build it in-process: the demo registry, a hosted zone and an alarm
 * address, in a fixed account and region, without bundling the functions (test/infra/synth.test.ts
 * runs the one real `cdk synth` that bundles them).
 */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { CaptureStack, type CaptureStackProps } from '#infra/stack.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';

export const demoOrgsFile = fileURLToPath(new URL('../../local/demo/orgs.json', import.meta.url));

/** A CaptureStack named `id` in a fresh app (or in `app`), with `props` replacing the defaults. */
export function testStack(options: { app?: App; id?: string; props?: Partial<CaptureStackProps> } = {}) {
  const app = options.app ?? new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CaptureStack(app, options.id ?? 'Capture', {
    registry: loadRegistryFile(demoOrgsFile),
    orgsFile: demoOrgsFile,
    hostedZone: { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'capture.localhost' },
    alarmEmail: 'ops@acme.example',
    env: { account: '123456789012', region: 'eu-west-1' },
    ...options.props,
  });
  return { app, stack };
}
