/**
 * NoticeStore on the mail bucket (keys in shared/config/pipeline.ts): a rep's state under
 * notices/recipients/<sha-256 of the address> (no address in a key), written with If-Match /
 * If-None-Match so two invocations never overwrite each other's window (fauxqs ignores both
 * headers; the local stack runs one notices invocation at a time); reply addresses under
 * replies/<token>; digest entries under notices/digest/<org>/<SES id>.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import * as z from 'zod';
import { pipeline } from '../config/pipeline.ts';
import { ResolutionSchema } from '../domain/captured-email.ts';
import type { DigestEntry } from '../domain/notices/notice-text.ts';
import { newRecipient, type RecipientState } from '../domain/notices/rate-limit.ts';
import { TransientError } from '../errors.ts';
import { inGroups } from '../grouping.ts';
import type { NoticeStore, ReplyTarget } from '../ports/notice-store.ts';
import { conditionFailed } from './s3-conditions.ts';

const Text = z.string().nullable();
const NoticeItemSchema = z.object({
  kind: z.enum(['unresolved', 'failed', 'quarantined', 'cut-short', 'logged', 'still-unresolved']),
  orgId: z.string(),
  sesMessageId: z.string(),
  messageId: Text,
  subject: Text,
  date: Text,
  reason: Text,
  cutShort: z.array(z.string()),
  replyAddress: Text,
  taskId: Text,
  resolution: ResolutionSchema.nullable(),
});
const RecipientSchema = z.object({
  address: z.string(),
  stoppedAt: Text,
  bouncedAt: Text,
  complainedAt: Text,
  lastSentAt: Text,
  held: z.array(NoticeItemSchema),
  heldDropped: z.number().int().nonnegative(),
  flushAt: Text,
});
const ReplyTargetSchema = z.object({
  orgId: z.string(),
  sesMessageId: Text,
  parsedKey: Text,
  rep: z.string(),
  subject: Text,
  messageId: Text,
  createdAt: z.string(),
});
const DigestEntrySchema = z.object({
  orgId: z.string(),
  sesMessageId: z.string(),
  messageId: Text,
  subject: Text,
  date: Text,
  kind: z.enum(['unresolved', 'quarantined', 'failed']),
  reason: Text,
  mode: z.enum(['bcc', 'forward']),
  rep: Text,
  at: z.string(),
});

/** DeleteObjects takes at most 1,000 keys (S3 API Reference). */
const DELETE_KEYS_MAX = 1000;

export class S3NoticeStore implements NoticeStore {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async getRecipient(address: string): Promise<{ state: RecipientState; version: string | null }> {
    const found = await this.#read(recipientKey(address));
    if (!found) return { state: newRecipient(address), version: null };
    const parsed = RecipientSchema.safeParse(found.json);
    // A state this version cannot read is started afresh rather than blocking every notice.
    return { state: parsed.success ? parsed.data : newRecipient(address), version: found.etag };
  }

  async putRecipient(state: RecipientState, version: string | null): Promise<boolean> {
    const condition = version === null ? { IfNoneMatch: '*' } : { IfMatch: version };
    try {
      await this.#put(recipientKey(state.address), state, condition);
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw transient(error, 'writing a notice recipient');
    }
  }

  async putReplyTarget(token: string, target: ReplyTarget): Promise<void> {
    await this.#put(`${pipeline.keys.replies}${token}.json`, target).catch((error: unknown) => {
      throw transient(error, 'writing a reply address');
    });
  }

  async getReplyTarget(token: string): Promise<ReplyTarget | null> {
    const found = await this.#read(`${pipeline.keys.replies}${token}.json`);
    const parsed = found ? ReplyTargetSchema.safeParse(found.json) : null;
    return parsed?.success ? parsed.data : null;
  }

  async putDigestEntry(entry: DigestEntry): Promise<void> {
    await this.#put(digestKey(entry.orgId, entry.sesMessageId), entry).catch((error: unknown) => {
      throw transient(error, 'writing a digest entry');
    });
  }

  async listDigestEntries(orgId: string, max: number) {
    const all = await this.#list(`${pipeline.keys.noticeDigest}${orgId}/`);
    const keys = all.slice(0, max);
    const read = await Promise.all(keys.map((key) => this.#read(key)));
    const entries = read.flatMap((r) => {
      const parsed = r ? DigestEntrySchema.safeParse(r.json) : null;
      return parsed?.success ? [parsed.data] : [];
    });
    return { entries: entries.sort((a, b) => a.at.localeCompare(b.at)), total: all.length, keys };
  }

  async deleteDigestEntries(keys: string[]): Promise<void> {
    for (const group of inGroups(keys, { maxItems: DELETE_KEYS_MAX, maxWeight: Infinity, weight: () => 1 })) {
      await this.#s3
        .send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: group.map((Key) => ({ Key })), Quiet: true },
          }),
        )
        .catch((error: unknown) => {
          throw transient(error, 'removing sent digest entries');
        });
    }
  }

  async #put(key: string, value: unknown, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) {
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        ...condition,
      }),
    );
  }

  async #read(key: string): Promise<{ json: unknown; etag: string | null } | null> {
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const text = (await response.Body?.transformToString('utf8')) ?? '';
      try {
        return { json: JSON.parse(text), etag: response.ETag ?? null };
      } catch {
        return { json: null, etag: response.ETag ?? null };
      }
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw transient(error, `reading ${key}`);
    }
  }

  async #list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3
        .send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw transient(error, `listing ${prefix}`);
        });
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}

function recipientKey(address: string): string {
  const hash = createHash('sha256').update(address.trim().toLowerCase()).digest('hex');
  return `${pipeline.keys.noticeRecipients}${hash}.json`;
}

function digestKey(orgId: string, sesMessageId: string): string {
  return `${pipeline.keys.noticeDigest}${orgId}/${sesMessageId}.json`;
}

function transient(error: unknown, what: string): TransientError {
  if (error instanceof TransientError) return error;
  const name = (error as { name?: string }).name ?? 'Error';
  return new TransientError('S3_ERROR', `${what} failed (${name})`, { cause: error });
}
