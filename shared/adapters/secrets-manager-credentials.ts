/** Per-org Salesforce credentials from Secrets Manager, validated, cached for the life of the function. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Org } from '../config/registry.ts';
import { parseSalesforceSecret, type SalesforceCredentials } from '../config/salesforce-secret.ts';
import { PermanentError, TransientError } from '../errors.ts';

export class SecretsManagerCredentials {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;
  readonly #cache = new Map<string, Promise<SalesforceCredentials>>();

  constructor(client: SecretsManagerClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  forOrg(org: Org): Promise<SalesforceCredentials> {
    const name = org.salesforce.secretName ?? `${this.#prefix}${org.id}`;
    let cached = this.#cache.get(name);
    if (!cached) {
      cached = this.#load(name);
      cached.catch(() => this.#cache.delete(name));
      this.#cache.set(name, cached);
    }
    return cached;
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
