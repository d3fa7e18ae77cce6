/**
 * The org registry most tests use: one org, acme, with a BCC address and a forward address.
 * Tests change what they are about (domains, patterns, privacy, more orgs) through the options.
 */
import { parseRegistry } from '#shared/config/registry.ts';

export const BCC_TOKEN = 'acme-k7q2m9x4p8w3';
export const FORWARD_TOKEN = 'acme-inbox-3n8v5t2r6y1z';

export interface RegistryOptions {
  captureDomain?: string;
  /** acme's internal domain; its default owner is ops@ this domain. */
  domain?: string;
  /** Fields of acme's entry to add or replace. */
  acme?: Record<string, unknown>;
  /** More orgs after acme, as written in the registry file. */
  orgs?: Record<string, unknown>[];
}

/** The registry as written in a file (for tests that hand it to a CLI or the local stack). */
export function registryInput(options: RegistryOptions = {}) {
  const domain = options.domain ?? 'acme.example';
  return {
    captureDomain: options.captureDomain ?? 'capture.example.com',
    orgs: [
      {
        id: 'acme',
        internalDomains: [domain],
        defaultOwnerEmail: `ops@${domain}`,
        addresses: [
          { token: BCC_TOKEN, mode: 'bcc' },
          { token: FORWARD_TOKEN, mode: 'forward' },
        ],
        ...options.acme,
      },
      ...(options.orgs ?? []),
    ],
  };
}

/** The registry parsed, as the code reads it. */
export function testRegistry(options: RegistryOptions = {}) {
  return parseRegistry(registryInput(options));
}
