/**
 * Per-org Salesforce credentials from Secrets Manager, validated and cached for a short time
 * (five minutes by default), so a warm function picks up rotated credentials; `invalidate`
 * drops an org's entry at once (the sync wiring calls it when Salesforce refuses the login).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Org } from '../config/registry.ts';
import { parseSalesforceSecret, type SalesforceCredentials } from '../config/salesforce-secret.ts';
import { PermanentError, TransientError } from '../errors.ts';

export interface SecretsManagerCredentialsOptions {
  /** How long a read secret is used before it is read again. @default 300 000 (5 minutes) */
  ttlMs?: number;
  now?: () => number;
}

export class SecretsManagerCredentials {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { value: Promise<SalesforceCredentials>; readAt: number }>();

  constructor(client: SecretsManagerClient, prefix: string, options: SecretsManagerCredentialsOptions = {}) {
    this.#client = client;
    this.#prefix = prefix;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  forOrg(org: Org): Promise<SalesforceCredentials> {
    const name = this.#nameOf(org);
    const cached = this.#cache.get(name);
    if (cached && this.#now() - cached.readAt < this.#ttlMs) return cached.value;
    const value = this.#load(name);
    const entry = { value, readAt: this.#now() };
    value.catch(() => {
      if (this.#cache.get(name) === entry) this.#cache.delete(name);
    });
    this.#cache.set(name, entry);
    return value;
  }

  /** Forget an org's secret: the next forOrg reads it again. */
  invalidate(org: Org): void {
    this.#cache.delete(this.#nameOf(org));
  }

  #nameOf(org: Org): string {
    return org.salesforce.secretName ?? `${this.#prefix}${org.id}`;
  }

  async #load(name: string): Promise<SalesforceCredentials> {
    let text: string | undefined;
    try {
      text = (await this.#client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (error) {
      const code = (error as { name?: string }).name;
      if (code === 'ResourceNotFoundException' || code === 'AccessDeniedException') {
        throw new PermanentError('SECRET_UNAVAILABLE', `Salesforce secret ${name}: ${code}`);
      }
      throw new TransientError('SECRETS_MANAGER_ERROR', `reading secret ${name} failed`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      throw new PermanentError('INVALID_SALESFORCE_SECRET', `Salesforce secret ${name} is not JSON`);
    }
    return parseSalesforceSecret(json, `secret ${name}`);
  }
}
