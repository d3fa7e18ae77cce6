import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaptureStack } from '#infra/stack.ts';
import { minimumVisibilityTimeoutSeconds, pipeline } from '#shared/config/pipeline.ts';
import { testStack } from '../support/cdk.ts';

interface Resource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
  Properties: any;
}

let resources: Record<string, Resource>;
let stack: CaptureStack;

beforeAll(() => {
  stack = testStack().stack;
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

/** The mapping reading from a queue, with its queue and function resources. */
function mappingOf(queue: typeof stack.parse.queue) {
  const queueId = stack.getLogicalId(queue.node.defaultChild as CfnElement);
  const found = Object.values(resources).filter(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      r.Properties.EventSourceArn['Fn::GetAtt'][0] === queueId,
  );
  expect(found, queueId).toHaveLength(1);
  const mapping = found[0] as Resource;
  const fn = resources[mapping.Properties.FunctionName.Ref as string] as Resource;
  return {
    mapping: mapping.Properties,
    queue: (resources[queueId] as Resource).Properties,
    fn: fn.Properties,
  };
}

/** AWS's rules for an SQS event source on a standard queue. */
function expectValidBatching(batchSize: number, windowSeconds: number, label: string) {
  expect(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000, `${label} batch size`).toBe(
    true,
  );
  expect(
    Number.isInteger(windowSeconds) && windowSeconds >= 0 && windowSeconds <= 300,
    `${label} window`,
  ).toBe(true);
  if (batchSize > 10)
    expect(windowSeconds, `${label}: batch size above 10 needs a window ≥ 1 s`).toBeGreaterThanOrEqual(1);
}

describe('batching of the SQS event sources', () => {
  it('keeps the pipeline.ts settings within what AWS accepts', () => {
    for (const [name, q] of Object.entries(pipeline.queues)) {
      expectValidBatching(q.batchSize, q.maxBatchingWindowSeconds, name);
    }
  });

  it('synthesizes each mapping with the pipeline.ts batch size and window, within AWS rules', () => {
    const cases = [
      { label: 'intake', queue: stack.parse.queue, settings: pipeline.queues.intake },
      { label: 'sync', queue: stack.sync.queue, settings: pipeline.queues.sync },
    ];
    for (const { label, queue, settings } of cases) {
      const { mapping } = mappingOf(queue);
      expect(mapping.BatchSize, label).toBe(settings.batchSize);
      // CloudFormation treats an absent window as 0.
      const window = mapping.MaximumBatchingWindowInSeconds ?? 0;
      expect(window, label).toBe(settings.maxBatchingWindowSeconds);
      expectValidBatching(mapping.BatchSize, window, label);
    }
  });

  it('does not make intake wait: parse calls no Salesforce, so a batch is what one poll returns', () => {
    const { mapping } = mappingOf(stack.parse.queue);
    expect(mapping.BatchSize).toBeLessThanOrEqual(10);
    expect(mapping.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
  });

  it('batches sync beyond one poll, so a burst shares Salesforce calls', () => {
    const { mapping } = mappingOf(stack.sync.queue);
    expect(mapping.BatchSize).toBeGreaterThan(10);
    expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThanOrEqual(1);
  });

  it('gives each queue a visibility timeout of at least 6 × function timeout + window', () => {
    for (const queue of [stack.parse.queue, stack.sync.queue]) {
      const { mapping, queue: q, fn } = mappingOf(queue);
      const window = mapping.MaximumBatchingWindowInSeconds ?? 0;
      expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(minimumVisibilityTimeoutSeconds(fn.Timeout, window));
    }
  });
});
