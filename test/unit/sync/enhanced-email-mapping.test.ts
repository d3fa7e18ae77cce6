/** The EmailMessage a mail becomes: Salesforce's lengths, the thread, and who the rows name. */
import { describe, expect, it } from 'vitest';
import {
  ADDRESS_LIST_MAX,
  emailMessageWrite,
  TEXT_BODY_MAX,
} from '#shared/domain/sync/email-message-mapping.ts';
import type { TaskDraft } from '#shared/ports/crm.ts';
import { email, emptyResult } from './support.ts';

const task: TaskDraft = {
  Subject: 'Email: Hello',
  Description: 'Hello',
  Status: 'Completed',
  TaskSubtype: 'Email',
  ActivityDate: '2026-11-20',
  OwnerId: '0055g0000000002AAA',
  WhoId: '0035g0000000001AAA',
  WhatId: null,
  Capture_Id__c: 'a'.repeat(40),
  Capture_Source__c: null,
  Order_Numbers__c: 'ORD-10042',
};

describe('emailMessageWrite', () => {
  it('keeps address lists to whole addresses within 4,000 characters and the body within 32,000', () => {
    const to = Array.from({ length: 200 }, (_, i) => `person-number-${i}@globex.example`);
    const mail = email({ from: 'alice@acme.example', to, text: 'x'.repeat(40_000) });
    const { message } = emailMessageWrite(mail, task, emptyResult(), true);
    const list = String(message.ToAddress);
    expect(list.length).toBeLessThanOrEqual(ADDRESS_LIST_MAX);
    expect(list.split('; ').every((a) => to.includes(a))).toBe(true);
    expect(String(message.TextBody).length).toBe(TEXT_BODY_MAX);
    expect(String(message.TextBody)).toMatch(/cut by Capture/);
  });

  it('threads on the first Reference, sets the Task fields, and relates matched people or bare addresses', () => {
    const mail = email({
      from: 'alice@acme.example',
      to: ['jane.doe@globex.example', 'acme-k7q2m9x4p8w3@capture.example.com'],
      cc: ['stranger@elsewhere.example'],
      references: ['<root@globex.example>', '<middle@globex.example>'],
    });
    const found = {
      ...emptyResult(),
      users: [{ id: '0055g0000000002AAA', email: 'alice@acme.example', isActive: true }],
      contacts: [
        { id: '0035g0000000001AAA', email: 'jane.doe@globex.example', accountId: null, lastModified: null },
      ],
    };
    const write = emailMessageWrite(mail, task, found, false);
    expect(write.message.ThreadIdentifier).toBe('<root@globex.example>');
    expect(write.task).not.toHaveProperty('TaskSubtype');
    expect(write.task).not.toHaveProperty('Order_Numbers__c');
    expect(write.task.Capture_Id__c).toBe(task.Capture_Id__c);
    expect(write.relations).toEqual([
      {
        RelationId: '0055g0000000002AAA',
        RelationAddress: 'alice@acme.example',
        RelationType: 'FromAddress',
      },
      {
        RelationId: '0035g0000000001AAA',
        RelationAddress: 'jane.doe@globex.example',
        RelationType: 'ToAddress',
      },
      { RelationId: null, RelationAddress: 'stranger@elsewhere.example', RelationType: 'CcAddress' },
    ]);
  });
});
