/**
 * Two rules of the real services that fauxqs 2.4.1 does not keep, put back on the local stack's
 * SDK clients so the pipeline meets them locally as it does in AWS:
 * - SQS fair queues: a standard queue's message keeps the MessageGroupId it was sent with and
 *   receives return it (fauxqs accepts the field and drops it). The group is remembered per
 *   message id in this process, so the runner can hand messages out fairly by group.
 * - S3 conditional writes: PutObject with If-None-Match: * or If-Match: <etag>, and DeleteObject
 *   with If-Match, fail with 412 PreconditionFailed when the condition does not hold, and a
 *   conditional delete of a missing key with 404 NoSuchKey (fauxqs ignores both headers). The
 *   check and the write run one at a time per key, so two racing writers cannot both win. The
 *   check is a plain HTTP HEAD to fauxqs, not an SDK request: S3 makes it on its own side at no
 *   cost to the caller, and the local stack should not charge the pipeline for it either.
 * Only requests made through these clients are covered: the local stack's handlers and runners.
 */
import { Agent, request } from 'node:http';
import { type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';

type Fields = Record<string, unknown>;

/** Keeps MessageGroupId on standard queues: remembered at send, returned at receive. */
export function keepMessageGroups(sqs: SQSClient): void {
  const groups = new Map<string, string>();
  const byHandle = new Map<string, string>();
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = args.input as unknown as Fields;
      const result = await next(args);
      const output = result.output as unknown as Fields;
      if (command === 'SendMessageCommand' && typeof input.MessageGroupId === 'string') {
        if (typeof output.MessageId === 'string') groups.set(output.MessageId, input.MessageGroupId);
      } else if (command === 'SendMessageBatchCommand') {
        const entries = new Map(
          ((input.Entries ?? []) as { Id?: string; MessageGroupId?: string }[]).map((e) => [e.Id, e]),
        );
        for (const ok of (output.Successful ?? []) as { Id?: string; MessageId?: string }[]) {
          const group = entries.get(ok.Id)?.MessageGroupId;
          if (group && ok.MessageId) groups.set(ok.MessageId, group);
        }
      } else if (command === 'ReceiveMessageCommand') {
        for (const m of (output.Messages ?? []) as {
          MessageId?: string;
          ReceiptHandle?: string;
          Attributes?: Record<string, string>;
        }[]) {
          const group = m.MessageId ? groups.get(m.MessageId) : undefined;
          if (!group || !m.MessageId) continue;
          m.Attributes = { ...(m.Attributes ?? {}), MessageGroupId: group };
          if (m.ReceiptHandle) byHandle.set(m.ReceiptHandle, m.MessageId);
        }
      } else if (command === 'DeleteMessageCommand' || command === 'DeleteMessageBatchCommand') {
        // A deleted message is gone: forget its group.
        const handles =
          command === 'DeleteMessageCommand'
            ? [input.ReceiptHandle]
            : ((input.Entries ?? []) as { ReceiptHandle?: string }[]).map((e) => e.ReceiptHandle);
        for (const handle of handles) {
          const id = typeof handle === 'string' ? byHandle.get(handle) : undefined;
          if (!id) continue;
          groups.delete(id);
          byHandle.delete(handle as string);
        }
      }
      return result;
    },
    { step: 'initialize', name: 'captureLocalMessageGroups' },
  );
}

/**
 * Enforces If-None-Match / If-Match on PutObject and If-Match on DeleteObject, checking the key
 * at `endpoint` (fauxqs, path-style). Returns what frees the check's connections.
 */
export function enforceConditionalWrites(s3: S3Client, endpoint: string): () => void {
  const busy = new Map<string, Promise<unknown>>();
  const agent = new Agent({ keepAlive: true });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = args.input as unknown as Fields;
      const ifNoneMatch = input.IfNoneMatch as string | undefined;
      const ifMatch = input.IfMatch as string | undefined;
      const conditional =
        (command === 'PutObjectCommand' && (ifNoneMatch !== undefined || ifMatch !== undefined)) ||
        (command === 'DeleteObjectCommand' && ifMatch !== undefined);
      if (!conditional) return next(args);
      const key = `${String(input.Bucket)}/${String(input.Key)}`;
      const run = async () => {
        const etag = await currentEtag(endpoint, agent, String(input.Bucket), String(input.Key));
        if (command === 'DeleteObjectCommand' && etag === null) throw s3Error('NoSuchKey', 404);
        const holds =
          ifNoneMatch === '*' ? etag === null : ifMatch === '*' ? etag !== null : etag === ifMatch;
        if (!holds) throw s3Error('PreconditionFailed', 412);
        return next(args);
      };
      const turn = (busy.get(key) ?? Promise.resolve()).then(run, run);
      const settled = turn.catch(() => {});
      busy.set(key, settled);
      void settled.then(() => {
        if (busy.get(key) === settled) busy.delete(key);
      });
      return turn;
    },
    { step: 'initialize', name: 'captureLocalConditionalWrites' },
  );
  return () => agent.destroy();
}

/** The key's ETag at fauxqs (which reads unsigned requests), or null when there is none. */
function currentEtag(endpoint: string, agent: Agent, bucket: string, key: string): Promise<string | null> {
  const path = [bucket, ...key.split('/')].map(encodeURIComponent).join('/');
  return new Promise((resolve, reject) => {
    const head = request(new URL(`/${path}`, endpoint), { method: 'HEAD', agent }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      if (status === 404) resolve(null);
      else if (status === 200) resolve(String(response.headers.etag ?? ''));
      else reject(new Error(`HEAD s3://${bucket}/${key} at the local S3 answered ${status}`));
    });
    head.on('error', reject);
    head.end();
  });
}

function s3Error(name: 'PreconditionFailed' | 'NoSuchKey', status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message:
      name === 'PreconditionFailed'
        ? 'At least one of the pre-conditions you specified did not hold'
        : 'The specified key does not exist.',
  });
}
