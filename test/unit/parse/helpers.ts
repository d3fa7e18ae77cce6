import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testRegistry } from '../../support/registry.ts';

export const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/parse/${name}`, import.meta.url)));

export const registry = testRegistry({
  acme: {
    orderNumbers: { patterns: ['\\bORD-\\d{5,8}\\b'] },
    privacy: { excludedDomains: ['lawyers.example'], excludedAddresses: ['ceo@acme.example'] },
  },
});
export const org = registry.orgs[0]!;

export function mime(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`);
}
