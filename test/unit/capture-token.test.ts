/**
 * The one token rule (shared/config/capture-token.ts): what `capture org add|rotate` generate,
 * what the registry accepts, and that the demo registry and the README say the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  newToken,
  TOKEN_ALPHABET,
  TOKEN_MIN_RANDOM_LENGTH,
  TOKEN_PATTERN,
  TOKEN_RANDOM_LENGTH,
} from '#shared/config/capture-token.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { DEMO_REGISTRY_PATH } from '#shared/config/registry-location.ts';

describe('capture address tokens', () => {
  it('are the org id and 16 random lower-case letters and digits, never one already taken', () => {
    const taken = new Set<string>();
    const tokens = Array.from({ length: 200 }, () => newToken('acme', taken));
    expect(new Set(tokens).size).toBe(200);
    expect(taken.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(new RegExp(`^acme-[${TOKEN_ALPHABET}]{${TOKEN_RANDOM_LENGTH}}$`));
      expect(token).toMatch(TOKEN_PATTERN);
    }
    // Every character of the alphabet turns up: the generator is not stuck on a subset.
    expect(new Set(tokens.join('').replace(/^acme-|acme-/g, '')).size).toBe(TOKEN_ALPHABET.length);
  });

  it('are accepted with a random part of 12 or more, not 11', () => {
    expect(`acme-${'a1'.repeat(6)}`).toMatch(TOKEN_PATTERN);
    expect(`acme-${'a1'.repeat(5)}b`).not.toMatch(TOKEN_PATTERN);
    expect('acme-Z1234567890ab').not.toMatch(TOKEN_PATTERN);
  });

  it('hold for the demo registry, and the README quotes the same numbers', () => {
    for (const org of loadRegistryFile(DEMO_REGISTRY_PATH).orgs)
      for (const a of org.addresses)
        expect(a.token.split('-').at(-1)!.length).toBeGreaterThanOrEqual(TOKEN_MIN_RANDOM_LENGTH);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`<org>-<${TOKEN_RANDOM_LENGTH} random letters and digits>`);
    expect(readme).toContain(
      `${TOKEN_RANDOM_LENGTH} from \`capture org add\`, at least ${TOKEN_MIN_RANDOM_LENGTH} accepted`,
    );
  });
});
