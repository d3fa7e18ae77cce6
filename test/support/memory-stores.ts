/** In-memory MailStore / OutcomeStore / MessageQueue for use-case unit tests. */
import { Readable } from 'node:stream';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { type OutcomeRecord, replacesRecorded } from '#shared/domain/outcome.ts';
import { PermanentError } from '#shared/errors.ts';
import type {
  DeadLetterMarks,
  DeadLetterQueue,
  MailStore,
  MessageQueue,
  OutcomeStore,
  SendOptions,
} from '#shared/ports/mail-store.ts';

export class MemoryMailStore implements MailStore, OutcomeStore, DeadLetterMarks {
  raw = new Map<string, Buffer>();
  parsed = new Map<string, CapturedEmail>();
  unresolved = new Map<string, { orgId: string; sesMessageId: string; parsedKey: string }>();
  outcomes = new Map<string, OutcomeRecord>();
  deadLettered = new Set<string>();

  async openRaw(key: string) {
    const raw = this.raw.get(key);
    if (!raw) throw new PermanentError('NOT_FOUND', `${key} does not exist`);
    return Readable.from([raw]);
  }
  async putParsed(key: string, email: CapturedEmail) {
    this.parsed.set(key, structuredClone(email));
  }
  async getParsed(key: string) {
    const email = this.parsed.get(key);
    if (!email) throw new PermanentError('NOT_FOUND', `${key} does not exist`);
    return structuredClone(email);
  }
  async putUnresolved(orgId: string, sesMessageId: string, parsedKey: string) {
    this.unresolved.set(`${orgId}/${sesMessageId}`, { orgId, sesMessageId, parsedKey });
  }
  async listUnresolved() {
    return [...this.unresolved.values()];
  }
  async getUnresolved(orgId: string, sesMessageId: string) {
    return this.unresolved.get(`${orgId}/${sesMessageId}`) ?? null;
  }
  async deleteUnresolved(orgId: string, sesMessageId: string) {
    this.unresolved.delete(`${orgId}/${sesMessageId}`);
  }
  /** Like the S3 store: a recorded `created` is kept, a redelivery never overwrites it. */
  async record(outcome: OutcomeRecord) {
    const key = `${outcome.orgId}/${outcome.sesMessageId}`;
    if (!replacesRecorded(this.outcomes.get(key) ?? null)) return;
    this.outcomes.set(key, structuredClone(outcome));
  }
  async get(orgId: string | null, sesMessageId: string) {
    return this.outcomes.get(`${orgId}/${sesMessageId}`) ?? null;
  }
  async list() {
    return [...this.outcomes.values()];
  }
  async wasDeadLettered(stage: 'parse' | 'sync', queueMessageId: string) {
    return this.deadLettered.has(`${stage}/${queueMessageId}`);
  }
  async markDeadLettered(stage: 'parse' | 'sync', queueMessageId: string) {
    this.deadLettered.add(`${stage}/${queueMessageId}`);
  }
}

export class MemoryQueue implements MessageQueue, DeadLetterQueue {
  messages: { body: unknown; attributes: Record<string, string>; options?: SendOptions }[] = [];
  async send(body: unknown, attributes: Record<string, string> = {}, options?: SendOptions) {
    this.messages.push({ body: structuredClone(body), attributes, ...(options ? { options } : {}) });
  }
  async sendOriginal(body: string, attributes: Record<string, string>, options?: SendOptions) {
    this.messages.push({ body, attributes: { ...attributes }, ...(options ? { options } : {}) });
  }
}

/** A queue record as the stages see it, on its `receiveCount`th delivery. */
export function queueRecord(id: string, body: unknown, receiveCount = 1) {
  return { id, body: typeof body === 'string' ? body : JSON.stringify(body), receiveCount, attributes: {} };
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
