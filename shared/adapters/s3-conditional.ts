/**
 * S3 conditional writes (If-None-Match, If-Match) as plain answers: the ETag written, or null when
 * the condition did not hold. 412 is a failed condition; 409 a concurrent conditional write to the
 * same key (S3 user guide, "Conditional writes"); 404 on a conditional delete, a key already gone.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TransientError } from '../errors.ts';

export type WriteCondition = { IfNoneMatch: '*' } | { IfMatch: string };

function statusOf(error: unknown): { name: string | undefined; status: number | undefined } {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode };
}

/** Whether S3 refused a request because its condition did not hold (or lost a race for the key). */
export function conditionFailed(error: unknown): boolean {
  const { name, status } = statusOf(error);
  return (
    name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409
  );
}

/** PutObject under a condition: the new ETag, or null when the condition failed. */
export async function putIf(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  condition: WriteCondition,
  options: { contentType?: string } = {},
): Promise<string | null> {
  try {
    const written = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...condition,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      }),
    );
    return written.ETag ?? '';
  } catch (error) {
    if (conditionFailed(error)) return null;
    throw new TransientError('S3_ERROR', `conditional write of ${key} failed`, { cause: error });
  }
}

/** DeleteObject If-Match: true when deleted, false when the object changed or is gone. */
export async function deleteIf(s3: S3Client, bucket: string, key: string, etag: string): Promise<boolean> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }));
    return true;
  } catch (error) {
    const { name, status } = statusOf(error);
    if (conditionFailed(error) || name === 'NoSuchKey' || status === 404) return false;
    throw new TransientError('S3_ERROR', `conditional delete of ${key} failed`, { cause: error });
  }
}

/** An object's body and ETag, or null when it does not exist. */
export async function readWithEtag(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: string; etag: string; modified: number | null } | null> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: (await response.Body?.transformToString()) ?? '',
      etag: response.ETag ?? '',
      modified: response.LastModified?.getTime() ?? null,
    };
  } catch (error) {
    const { name, status } = statusOf(error);
    if (name === 'NoSuchKey' || status === 404) return null;
    throw new TransientError('S3_ERROR', `reading ${key} failed`, { cause: error });
  }
}
