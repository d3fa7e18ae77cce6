/**
 * DedupeLedger on S3 conditional writes: used when the org has no Capture_Id__c field, so the
 * same message never becomes two Tasks. A claim is `PutObject If-None-Match: *` of "pending";
 * a claim left pending by a crashed writer is taken over after `staleAfterMs` with
 * `If-Match: <etag>`, so only one taker wins. A completed entry holds `<taskId> <source digest>`
 * (entries written before the digest was kept hold the Task id alone). (fauxqs ignores both headers: locally the ledger
 * cannot detect a race, only a claim it can read back.)
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TransientError } from '../errors.ts';
import type { DedupeLedger, LedgerEntry } from '../ports/dedupe-ledger.ts';
import { conditionFailed } from './s3-conditions.ts';

const PENDING = 'pending';

export interface S3DedupeLedgerOptions {
  /** Key prefix (default `ledger/`). */
  prefix?: string;
  /** How long a claim may stay pending before another delivery may take it over (default 15 min). */
  staleAfterMs?: number;
  now?: () => number;
}

export class S3DedupeLedger implements DedupeLedger {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #staleAfterMs: number;
  readonly #now: () => number;

  constructor(s3: S3Client, bucket: string, options: S3DedupeLedgerOptions = {}) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#prefix = options.prefix ?? 'ledger/';
    this.#staleAfterMs = options.staleAfterMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  #key(orgId: string, captureId: string) {
    return `${this.#prefix}${orgId}/${captureId}`;
  }

  async claim(orgId: string, captureId: string): Promise<boolean> {
    const key = this.#key(orgId, captureId);
    if (await this.#put(key, PENDING, { IfNoneMatch: '*' })) return true;
    const current = await this.#read(key);
    if (!current) return this.#put(key, PENDING, { IfNoneMatch: '*' });
    const stale = current.body === PENDING && this.#now() - current.modified >= this.#staleAfterMs;
    return stale && current.etag !== undefined && this.#put(key, PENDING, { IfMatch: current.etag });
  }

  async complete(orgId: string, captureId: string, taskId: string, source: string | null): Promise<void> {
    const Body = source ? `${taskId} ${source}` : taskId;
    await this.#s3
      .send(new PutObjectCommand({ Bucket: this.#bucket, Key: this.#key(orgId, captureId), Body }))
      .catch((error: unknown) => {
        throw new TransientError('S3_ERROR', 'ledger write failed', { cause: error });
      });
  }

  async release(orgId: string, captureId: string): Promise<void> {
    await this.#s3
      .send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(orgId, captureId) }))
      .catch((error: unknown) => {
        throw new TransientError('S3_ERROR', 'ledger release failed', { cause: error });
      });
  }

  async get(orgId: string, captureId: string): Promise<LedgerEntry | null> {
    const body = (await this.#read(this.#key(orgId, captureId)))?.body;
    if (body === undefined) return null;
    if (body === PENDING) return { state: 'pending' };
    const [taskId = '', source] = body.split(' ');
    return { state: 'done', taskId, source: source ?? null };
  }

  /** A conditional put: true when written, false when the condition failed. */
  async #put(key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string }) {
    try {
      await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ...condition }));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw new TransientError('S3_ERROR', 'ledger claim failed', { cause: error });
    }
  }

  async #read(key: string): Promise<{ body: string; etag: string | undefined; modified: number } | null> {
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        body: (await response.Body?.transformToString()) ?? '',
        etag: response.ETag,
        modified: response.LastModified?.getTime() ?? this.#now(),
      };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw new TransientError('S3_ERROR', 'ledger read failed', { cause: error });
    }
  }
}
