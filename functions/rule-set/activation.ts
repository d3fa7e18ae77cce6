/**
 * Custom resource that makes Capture's receipt rule set the account's active one (one active
 * set per account and region, and CloudFormation cannot activate one itself). It only ever
 * switches off the set it activated: on delete, or on the delete of the old resource after a
 * capture-domain rename, it deactivates only if Capture's own set is still the active one, so
 * another set an admin activated (or the renamed domain's new set) keeps receiving mail.
 */
import {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';

/** The two SES calls the handler needs, so tests can hand it a fake. */
export interface ActiveRuleSetApi {
  active(): Promise<string | null>;
  activate(name: string | null): Promise<void>;
}

/** The event the CDK Provider framework hands its onEvent handler (only the fields used). */
export interface ActivationEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: { RuleSetName: string };
}

export interface ActivationResult {
  PhysicalResourceId: string;
  Data: { RuleSetName: string; Deactivated: string };
}

export async function onActivationEvent(
  event: ActivationEvent,
  ses: ActiveRuleSetApi,
): Promise<ActivationResult> {
  const name = event.ResourceProperties.RuleSetName;
  if (!name) throw new Error('RuleSetName is required');
  const physicalId = `active-${name}`;
  if (event.RequestType === 'Delete') {
    // The properties of a Delete are those of the resource being deleted: the set it activated.
    const active = await ses.active();
    const ours = active === name;
    if (ours) await ses.activate(null);
    return {
      PhysicalResourceId: event.PhysicalResourceId ?? physicalId,
      Data: { RuleSetName: name, Deactivated: String(ours) },
    };
  }
  await ses.activate(name);
  return { PhysicalResourceId: physicalId, Data: { RuleSetName: name, Deactivated: 'false' } };
}

export function sesActiveRuleSetApi(client: SESClient = new SESClient({})): ActiveRuleSetApi {
  return {
    active: async () =>
      (await client.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata?.Name ?? null,
    activate: async (name) => {
      await client.send(new SetActiveReceiptRuleSetCommand(name ? { RuleSetName: name } : {}));
    },
  };
}

let api: ActiveRuleSetApi | undefined;
export const handler = (event: ActivationEvent) => {
  api ??= sesActiveRuleSetApi();
  return onActivationEvent(event, api);
};
