/**
 * The parse stage's first step: mail straight from SES goes back to the intake queue in its org's
 * message group (shared/usecases/route-intake.ts), read from the notification alone.
 */
import { describe, expect, it } from 'vitest';
import { intakeGroupOf, intakeGroups, isRouted, routeIntake } from '#shared/usecases/route-intake.ts';
import { MemoryQueue } from '../../support/memory-stores.ts';
import { BCC_TOKEN, FORWARD_TOKEN, testRegistry } from '../../support/registry.ts';

const registry = testRegistry({
  orgs: [
    {
      id: 'beta',
      internalDomains: ['beta.example'],
      defaultOwnerEmail: 'ops@beta.example',
      addresses: [{ token: 'beta-x9c4v7b2n5m8', mode: 'bcc' }],
    },
  ],
});
const domain = registry.captureDomain;

function body(recipients: string[], notificationType = 'Received') {
  const notification = {
    notificationType,
    mail: {
      timestamp: '2026-12-07T10:00:00.000Z',
      source: 'a@acme.example',
      messageId: 'm1',
      destination: recipients,
    },
    receipt: {
      timestamp: '2026-12-07T10:00:00.000Z',
      recipients,
      action: { type: 'S3', bucketName: 'b', objectKey: 'raw/m1' },
    },
  };
  return JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(notification) });
}

describe("an intake message's line", () => {
  it('is the org of its capture address, whichever of its addresses', () => {
    expect(intakeGroupOf(body([`${BCC_TOKEN}@${domain}`]), registry)).toBe('acme');
    expect(intakeGroupOf(body([`${FORWARD_TOKEN}@${domain}`, 'someone@else.example']), registry)).toBe(
      'acme',
    );
    expect(intakeGroupOf(body([`beta-x9c4v7b2n5m8@${domain}`]), registry)).toBe('beta');
  });

  it('is the first org by id when the mail is for several', () => {
    expect(intakeGroupOf(body([`beta-x9c4v7b2n5m8@${domain}`, `${BCC_TOKEN}@${domain}`]), registry)).toBe(
      'acme',
    );
  });

  it('is a line of its own, no org can have, for notice replies and for mail no org takes', () => {
    const reply = `reply.${'a1'.repeat(12)}@${domain}`;
    expect(intakeGroupOf(body([reply]), registry)).toBe(intakeGroups.replies);
    for (const stranger of ['nobody@', 'constructor@', '__proto__@', 'toString@'])
      expect(intakeGroupOf(body([`${stranger}${domain}`]), registry)).toBe(intakeGroups.unknown);
    expect(Object.values(intakeGroups).some((g) => registry.orgs.some((o) => o.id === g))).toBe(false);
  });

  it('is none for what this step cannot read: parsed where it is', () => {
    expect(intakeGroupOf(body([], 'AMAZON_SES_SETUP_NOTIFICATION'), registry)).toBeNull();
    expect(intakeGroupOf('not json', registry)).toBeNull();
    expect(intakeGroupOf(JSON.stringify({ Type: 'Notification', Message: '{}' }), registry)).toBeNull();
  });
});

describe('routing', () => {
  it('sends the body unchanged in its group, marked as routed', async () => {
    const lines = new MemoryQueue();
    const b = body([`${BCC_TOKEN}@${domain}`]);
    expect(await routeIntake(b, { registry, lines })).toEqual({ routed: true, group: 'acme' });
    expect(lines.messages).toEqual([
      { body: b, attributes: { 'capture.org': 'acme' }, options: { groupId: 'acme' } },
    ]);
    expect(isRouted(lines.messages[0]?.attributes ?? {})).toBe(true);
    expect(isRouted({})).toBe(false);
  });

  it('sends nothing for a body it cannot read', async () => {
    const lines = new MemoryQueue();
    expect(await routeIntake('{', { registry, lines })).toEqual({ routed: false });
    expect(lines.messages).toEqual([]);
  });
});
