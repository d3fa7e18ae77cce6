/** MailStore and OutcomeStore on one S3 bucket, laid out as shared/config/pipeline.ts says. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { pipeline } from '../config/pipeline.ts';
import { type CapturedEmail, CapturedEmailSchema } from '../domain/captured-email.ts';
import { type OutcomeRecord, OutcomeRecordSchema, replacesRecorded } from '../domain/outcome.ts';
import { normaliseMessageId } from '../domain/sync/capture-id.ts';
import { PermanentError, TransientError } from '../errors.ts';
import { type DeadLetterMarks, type MailStore, mailKeys, type OutcomeStore } from '../ports/mail-store.ts';
import { putIf, readWithEtag } from './s3-conditional.ts';

/** Tries at an outcome write whose key other writers keep changing, before it fails to be retried. */
const OUTCOME_WRITE_ATTEMPTS = 3;

export class S3MailStore implements MailStore, OutcomeStore, DeadLetterMarks {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async openRaw(key: string): Promise<Buffer | Readable> {
    const object = await this.#get(key);
    const body = object.Body;
    if (!body) throw new PermanentError('RAW_MAIL_EMPTY', `raw message ${key} has no body`);
    if ((object.ContentLength ?? Number.POSITIVE_INFINITY) <= pipeline.rawReadWholeMaxBytes)
      return Buffer.from(await body.transformToByteArray());
    return body as Readable;
  }

  async putParsed(key: string, email: CapturedEmail): Promise<void> {
    await this.#putJson(key, email);
  }

  async getParsed(key: string): Promise<CapturedEmail> {
    const json = await this.#getJson(key);
    const result = CapturedEmailSchema.safeParse(json);
    if (!result.success) {
      throw new PermanentError('PARSED_MAIL_INVALID', `${key} is not a CapturedEmail this version can read`);
    }
    return result.data;
  }

  async putUnresolved(orgId: string, sesMessageId: string, parsedKey: string): Promise<void> {
    await this.#putJson(mailKeys.unresolved(orgId, sesMessageId), { orgId, sesMessageId, parsedKey });
  }

  async listUnresolved(orgId?: string) {
    const keys = await this.#list(orgId ? `unresolved/${orgId}/` : 'unresolved/');
    // One that expired between the listing and the read is no longer unresolved mail.
    const items = await Promise.all(keys.map((key) => this.#getJsonOrNull(key)));
    return items.filter((i) => i !== null) as { orgId: string; sesMessageId: string; parsedKey: string }[];
  }

  async getUnresolved(orgId: string, sesMessageId: string) {
    const item = await this.#getJsonOrNull(mailKeys.unresolved(orgId, sesMessageId));
    return item as { orgId: string; sesMessageId: string; parsedKey: string } | null;
  }

  async deleteUnresolved(orgId: string, sesMessageId: string): Promise<void> {
    await this.#call(() =>
      this.#s3.send(
        new DeleteObjectCommand({ Bucket: this.#bucket, Key: mailKeys.unresolved(orgId, sesMessageId) }),
      ),
    );
  }

  /**
   * A recorded `created` is kept (replacesRecorded). The common case, a message's first outcome,
   * is one conditional write (If-None-Match: *); only when one is recorded is it read, and
   * replaced under If-Match, so of two stages writing at once neither undoes the other's
   * `created`. The first time a message gets an outcome it is also indexed by SES message id and
   * Message-ID, so `capture status` reads a few objects by key instead of listing every outcome.
   */
  async record(outcome: OutcomeRecord): Promise<void> {
    const key = mailKeys.outcome(outcome.orgId, outcome.sesMessageId);
    const body = JSON.stringify(outcome);
    for (let attempt = 1; attempt <= OUTCOME_WRITE_ATTEMPTS; attempt++) {
      const replaced = await this.#writeOutcome(key, body);
      if (replaced === 'raced') continue;
      // Indexed the first time, and again only under a new Message-ID.
      if (replaced !== 'kept' && replaced?.messageId !== outcome.messageId) await this.#index(outcome, key);
      return;
    }
    throw new TransientError('S3_ERROR', `${key} kept changing while its outcome was written`);
  }

  /**
   * One try at writing an outcome: what it replaced (null: nothing), `kept` when a `created` is
   * recorded, `raced` when another writer changed the key between the read and the write.
   */
  async #writeOutcome(key: string, body: string): Promise<OutcomeRecord | null | 'kept' | 'raced'> {
    const json = { contentType: 'application/json' };
    if ((await putIf(this.#s3, this.#bucket, key, body, { IfNoneMatch: '*' }, json)) !== null) return null;
    const current = await readWithEtag(this.#s3, this.#bucket, key);
    if (current === null) return 'raced';
    const recorded = OutcomeRecordSchema.parse(parseJson(current.body, key, this.#bucket));
    if (!replacesRecorded(recorded)) return 'kept';
    const written = await putIf(this.#s3, this.#bucket, key, body, { IfMatch: current.etag }, json);
    return written === null ? 'raced' : recorded;
  }

  async #index(outcome: OutcomeRecord, key: string): Promise<void> {
    const entry = `${outcome.orgId ?? '_none'}~${outcome.sesMessageId}.json`;
    await this.#putJson(`${mailKeys.indexBySesId(outcome.sesMessageId)}${entry}`, { key });
    if (outcome.messageId) {
      await this.#putJson(`${mailKeys.indexByMessageId(messageIdHash(outcome.messageId))}${entry}`, { key });
    }
  }

  /**
   * The outcomes of one message, by SES message id or Message-ID (with or without <>): lists
   * only that message's index folders (one entry per org), then reads each outcome by key.
   */
  async findOutcomes(id: string): Promise<OutcomeRecord[]> {
    const prefixes = [mailKeys.indexByMessageId(messageIdHash(id))];
    if (/^[A-Za-z0-9._-]+$/.test(id)) prefixes.push(mailKeys.indexBySesId(id));
    const entries = (await Promise.all(prefixes.map((p) => this.#list(p)))).flat();
    const pointers = await Promise.all(entries.map((k) => this.#getJsonOrNull(k)));
    const keys = [...new Set(pointers.map((p) => (p as { key?: unknown } | null)?.key))].filter(
      (k): k is string => typeof k === 'string' && k.startsWith('outcomes/'),
    );
    const found = await Promise.all(keys.map((k) => this.#getJsonOrNull(k)));
    return found.filter((f) => f !== null).map((f) => OutcomeRecordSchema.parse(f));
  }

  async get(orgId: string | null, sesMessageId: string): Promise<OutcomeRecord | null> {
    try {
      return OutcomeRecordSchema.parse(await this.#getJson(mailKeys.outcome(orgId, sesMessageId)));
    } catch (error) {
      if (error instanceof PermanentError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async wasDeadLettered(stage: 'parse' | 'sync', queueMessageId: string): Promise<boolean> {
    return (await this.#getJsonOrNull(mailKeys.deadLettered(stage, queueMessageId))) !== null;
  }

  async markDeadLettered(stage: 'parse' | 'sync', queueMessageId: string): Promise<void> {
    await this.#putJson(mailKeys.deadLettered(stage, queueMessageId), { at: new Date().toISOString() });
  }

  async list(): Promise<OutcomeRecord[]> {
    const keys = await this.#list('outcomes/');
    const records = await Promise.all(keys.map((key) => this.#getJson(key)));
    return records.map((r) => OutcomeRecordSchema.parse(r));
  }

  async #list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call(() =>
        this.#s3.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async #get(key: string) {
    try {
      return await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
        throw new PermanentError('NOT_FOUND', `s3://${this.#bucket}/${key} does not exist`);
      }
      throw transient(error, `reading s3://${this.#bucket}/${key}`);
    }
  }

  async #getJson(key: string): Promise<unknown> {
    const response = await this.#get(key);
    return parseJson((await response.Body?.transformToString('utf8')) ?? '', key, this.#bucket);
  }

  async #getJsonOrNull(key: string): Promise<unknown> {
    try {
      return await this.#getJson(key);
    } catch (error) {
      if (error instanceof PermanentError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async #putJson(key: string, value: unknown): Promise<void> {
    await this.#call(() =>
      this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: 'application/json',
        }),
      ),
    );
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw transient(error, 'S3 request');
    }
  }
}

function parseJson(text: string, key: string, bucket: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentError('NOT_JSON', `s3://${bucket}/${key} is not JSON`);
  }
}

/** Message-IDs hold characters that do not belong in keys; the index is keyed by their hash. */
function messageIdHash(messageId: string): string {
  return createHash('sha256').update(normaliseMessageId(messageId)).digest('hex');
}

function transient(error: unknown, what: string): TransientError {
  const name = (error as { name?: string }).name ?? 'Error';
  return new TransientError('S3_ERROR', `${what} failed (${name})`, { cause: error });
}
