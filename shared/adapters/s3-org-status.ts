/**
 * OrgStatusStore on S3, in the mail bucket:
 * - `waiting/<org>/<receivedAt>~<sesMessageId>`: an empty object per mail waiting for the sync
 *   stage. ISO times sort as text, so a listing gives the org's oldest waiting mail first.
 * - `index/org-activity/<org>/<hour>/<writer>.json`: what one sync function instance did with the
 *   org's mail in that hour. One writer per object (no two instances write the same key), so
 *   counts are never lost to a race; a reader adds the writers up.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { pipeline } from '../config/pipeline.ts';
import { TransientError } from '../errors.ts';
import { inGroups } from '../grouping.ts';
import {
  addActivity,
  emptyActivity,
  type OrgActivity,
  type OrgStatusStore,
  type OrgWaiting,
  type WaitingMail,
} from '../ports/org-status.ts';

const HOUR_MS = 3_600_000;
/** DeleteObjects takes at most 1,000 keys (S3 API Reference, DeleteObjects). */
const MAX_DELETE_KEYS = 1000;
/** An hour bucket: `2025-06-01T10`. */
const hourOf = (at: Date) => at.toISOString().slice(0, 13);

export class S3OrgStatus implements OrgStatusStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  /** This instance's counts per `<org>/<hour>`, written whole each time (it is their only writer). */
  readonly #mine = new Map<string, OrgActivity>();
  /** Writes of one key one after another, so an older total never lands after a newer one. */
  readonly #writing = new Map<string, Promise<void>>();
  readonly #writer = randomUUID();

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  static waitingKey(mail: WaitingMail): string {
    return `${pipeline.keys.waiting}${mail.orgId}/${new Date(mail.receivedAt).toISOString()}~${mail.sesMessageId}`;
  }

  async markWaiting(mail: WaitingMail): Promise<void> {
    await this.#call('marking mail waiting', () =>
      this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: S3OrgStatus.waitingKey(mail),
          Body: '',
          ContentLength: 0,
        }),
      ),
    );
  }

  /** One DeleteObjects per 1,000 markers (S3's limit per request), quiet: only errors come back. */
  async clearWaiting(mails: readonly WaitingMail[]): Promise<{ mail: WaitingMail; reason: string }[]> {
    const failed: { mail: WaitingMail; reason: string }[] = [];
    for (const chunk of inGroups(mails, { maxItems: MAX_DELETE_KEYS })) {
      const byKey = new Map(chunk.map((m) => [S3OrgStatus.waitingKey(m), m]));
      const response = await this.#call('clearing waiting mail', () =>
        this.#s3.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: [...byKey.keys()].map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      for (const error of response.Errors ?? []) {
        const mail = error.Key === undefined ? undefined : byKey.get(error.Key);
        if (mail)
          failed.push({ mail, reason: `${error.Code ?? 'S3_ERROR'}: ${error.Message ?? 'not deleted'}` });
      }
    }
    return failed;
  }

  async waiting(orgId: string, limit: number): Promise<OrgWaiting> {
    const prefix = `${pipeline.keys.waiting}${orgId}/`;
    let count = 0;
    let oldest: WaitingMail | null = null;
    let token: string | undefined;
    do {
      const page = await this.#call('listing waiting mail', () =>
        this.#s3.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: Math.min(1000, Math.max(1, limit - count)),
          }),
        ),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      const [first] = keys;
      oldest ??= first === undefined ? null : waitingMailOf(orgId, first.slice(prefix.length));
      count += keys.length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && count < limit);
    return { count, more: token !== undefined, oldest };
  }

  async addActivity(orgId: string, activity: OrgActivity, at: Date): Promise<void> {
    const id = `${orgId}/${hourOf(at)}`;
    this.#mine.set(id, addActivity(this.#mine.get(id) ?? emptyActivity(), activity));
    const key = `${pipeline.keys.activity}${id}/${this.#writer}.json`;
    const write = (this.#writing.get(key) ?? Promise.resolve()).then(() =>
      this.#call('writing org activity', () =>
        this.#s3.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: JSON.stringify(this.#mine.get(id)),
            ContentType: 'application/json',
          }),
        ),
      ).then(() => {}),
    );
    this.#writing.set(
      key,
      write.catch(() => {}),
    );
    await write;
  }

  async activity(orgId: string, since: Date, now: Date): Promise<OrgActivity> {
    let total = emptyActivity();
    for (let t = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS; t <= now.getTime(); t += HOUR_MS) {
      const prefix = `${pipeline.keys.activity}${orgId}/${hourOf(new Date(t))}/`;
      for (const key of await this.#list(prefix)) total = addActivity(total, await this.#readActivity(key));
    }
    return total;
  }

  async #readActivity(key: string): Promise<OrgActivity> {
    const object = await this.#call('reading org activity', () =>
      this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
    try {
      const read = JSON.parse((await object.Body?.transformToString()) ?? '{}') as Partial<OrgActivity>;
      return {
        synced: Number(read.synced) || 0,
        failed: Number(read.failed) || 0,
        deferred: typeof read.deferred === 'object' && read.deferred ? read.deferred : {},
      };
    } catch {
      return emptyActivity(); // a half-written or foreign object counts as nothing
    }
  }

  async #list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('listing org activity', () =>
        this.#s3.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new TransientError('S3_ERROR', `${what} failed`, { cause: error });
    }
  }
}

/** `<receivedAt>~<sesMessageId>` back into the mail it names. */
function waitingMailOf(orgId: string, name: string): WaitingMail {
  const at = name.indexOf('~');
  return { orgId, receivedAt: name.slice(0, at), sesMessageId: name.slice(at + 1) };
}
