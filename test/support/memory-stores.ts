/** In-memory MailStore / OutcomeStore / MessageQueue for use-case unit tests. */
import { Readable } from 'node:stream';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { PermanentError } from '#shared/errors.ts';
import type { DeadLetterQueue, MailStore, MessageQueue, OutcomeStore } from '#shared/ports/mail-store.ts';

export class MemoryMailStore implements MailStore, OutcomeStore {
  raw = new Map<string, Buffer>();
  parsed = new Map<string, CapturedEmail>();
  unresolved = new Map<string, { orgId: string; sesMessageId: string; parsedKey: string }>();
  outcomes = new Map<string, OutcomeRecord>();

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
  async deleteUnresolved(orgId: string, sesMessageId: string) {
    this.unresolved.delete(`${orgId}/${sesMessageId}`);
  }
  async record(outcome: OutcomeRecord) {
    this.outcomes.set(`${outcome.orgId}/${outcome.sesMessageId}`, outcome);
  }
  async get(orgId: string | null, sesMessageId: string) {
    return this.outcomes.get(`${orgId}/${sesMessageId}`) ?? null;
  }
  async list() {
    return [...this.outcomes.values()];
  }
}

export class MemoryQueue implements MessageQueue, DeadLetterQueue {
  messages: { body: unknown; attributes: Record<string, string> }[] = [];
  async send(body: unknown, attributes: Record<string, string> = {}) {
    this.messages.push({ body: structuredClone(body), attributes });
  }
  async sendOriginal(body: string, attributes: Record<string, string>) {
    this.messages.push({ body, attributes });
  }
}

/** A queue record as the stages see it, on its `receiveCount`th delivery. */
export function queueRecord(id: string, body: unknown, receiveCount = 1) {
  return { id, body: typeof body === 'string' ? body : JSON.stringify(body), receiveCount, attributes: {} };
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
