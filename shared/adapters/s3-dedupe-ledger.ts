/**
 * DedupeLedger on S3 conditional writes (PutObject If-None-Match: *): used when the org has no
 * Capture_Id__c field, so the same message never becomes two Tasks.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TransientError } from '../errors.ts';
import type { DedupeLedger } from '../ports/dedupe-ledger.ts';

export class S3DedupeLedger implements DedupeLedger {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  #key(orgId: string, captureId: string) {
    return `ledger/${orgId}/${captureId}`;
  }

  async claim(orgId: string, captureId: string): Promise<boolean> {
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(orgId, captureId),
          Body: 'pending',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (
        e.name === 'PreconditionFailed' ||
        e.$metadata?.httpStatusCode === 412 ||
        e.name === 'ConditionalRequestConflict'
      ) {
        return false;
      }
      throw new TransientError('S3_ERROR', 'ledger claim failed', { cause: error });
    }
  }

  async complete(orgId: string, captureId: string, taskId: string): Promise<void> {
    await this.#s3
      .send(new PutObjectCommand({ Bucket: this.#bucket, Key: this.#key(orgId, captureId), Body: taskId }))
      .catch((error: unknown) => {
        throw new TransientError('S3_ERROR', 'ledger write failed', { cause: error });
      });
  }

  async release(orgId: string, captureId: string): Promise<void> {
    await this.#s3
      .send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(orgId, captureId) }))
      .catch(() => {});
  }

  async get(orgId: string, captureId: string): Promise<string | 'pending' | null> {
    try {
      const response = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(orgId, captureId) }),
      );
      return (await response.Body?.transformToString()) ?? null;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw new TransientError('S3_ERROR', 'ledger read failed', { cause: error });
    }
  }
}
