/** The receipt-rule-set activation handler against a fake SES that keeps one active set per account. */
import {
  DescribeActiveReceiptRuleSetCommand,
  type SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import {
  type ActivationEvent,
  onActivationEvent,
  sesActiveRuleSetApi,
} from '#functions/rule-set/activation.ts';

/** SES's receiving API as far as the handler uses it: one active set (or none) per account and region. */
function fakeSes(initiallyActive: string | null) {
  const state = { active: initiallyActive, calls: [] as string[] };
  const client = {
    send: async (command: unknown) => {
      if (command instanceof DescribeActiveReceiptRuleSetCommand) {
        state.calls.push('describe');
        return state.active ? { Metadata: { Name: state.active } } : {};
      }
      if (command instanceof SetActiveReceiptRuleSetCommand) {
        const name = command.input.RuleSetName ?? null;
        state.calls.push(`set ${name ?? '(none)'}`);
        state.active = name;
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  } as unknown as SESClient;
  return { state, api: sesActiveRuleSetApi(client) };
}

const event = (RequestType: ActivationEvent['RequestType'], RuleSetName: string): ActivationEvent => ({
  RequestType,
  ResourceProperties: { RuleSetName },
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: `active-${RuleSetName}` }),
});

describe('rule set activation', () => {
  it('activates Capture’s set on create and deactivates it on delete while it is the active one', async () => {
    const ses = fakeSes('someone-elses-set');
    const created = await onActivationEvent(event('Create', 'capture-a'), ses.api);
    expect(created.PhysicalResourceId).toBe('active-capture-a');
    expect(ses.state.active).toBe('capture-a');
    const deleted = await onActivationEvent(event('Delete', 'capture-a'), ses.api);
    expect(deleted.Data.Deactivated).toBe('true');
    expect(ses.state.active).toBeNull();
  });

  it('leaves another active set alone on delete (an admin activated their own set since)', async () => {
    const ses = fakeSes('capture-a');
    ses.state.active = 'admin-set';
    const deleted = await onActivationEvent(event('Delete', 'capture-a'), ses.api);
    expect(deleted.Data.Deactivated).toBe('false');
    expect(ses.state.active).toBe('admin-set');
    expect(ses.state.calls).toEqual(['describe']);
  });

  it('keeps mail flowing through a capture-domain rename (new set activated, old resource deleted after)', async () => {
    const ses = fakeSes(null);
    await onActivationEvent(event('Create', 'capture-old-example'), ses.api);
    // CloudFormation: the new physical id replaces the resource, then deletes the old one.
    const updated = await onActivationEvent(
      {
        RequestType: 'Update',
        PhysicalResourceId: 'active-capture-old-example',
        ResourceProperties: { RuleSetName: 'capture-new-example' },
      },
      ses.api,
    );
    expect(updated.PhysicalResourceId).toBe('active-capture-new-example');
    await onActivationEvent(event('Delete', 'capture-old-example'), ses.api);
    expect(ses.state.active).toBe('capture-new-example');
  });

  it('does nothing on delete when no set is active', async () => {
    const ses = fakeSes(null);
    await onActivationEvent(event('Delete', 'capture-a'), ses.api);
    expect(ses.state.calls).toEqual(['describe']);
    expect(ses.state.active).toBeNull();
  });
});
