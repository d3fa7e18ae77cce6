/**
 * The one rule for capture address tokens, used by the registry schema (what `cdk synth`, the
 * functions and the local stack accept), by `capture org add|rotate` (what they generate) and
 * quoted in the README.
 *
 * A token is `<org id>-<random part>`: the org id makes an address readable in a mail client,
 * the random part makes it unguessable. The random part is lower-case letters and digits; new
 * tokens get 16 of them (36^16, about 82 bits); a registry may hold tokens with 12 or more
 * (about 62 bits), which is what older registries and hand-made ones were asked for.
 */
import { randomInt } from 'node:crypto';

export const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Random characters in every token `capture org` makes. */
export const TOKEN_RANDOM_LENGTH = 16;
/** Fewest random characters the registry accepts. */
export const TOKEN_MIN_RANDOM_LENGTH = 12;

/** `<prefix>-<random>`: hyphen-separated lower-case words ending in the random part. */
export const TOKEN_PATTERN = new RegExp(`^(?:[a-z0-9]+-)*[a-z0-9]{${TOKEN_MIN_RANDOM_LENGTH},}$`);

export const TOKEN_RULE = `letters, digits and hyphens, ending in a random part of at least ${TOKEN_MIN_RANDOM_LENGTH} characters`;

/**
 * A new token `<orgId>-<16 random characters>` from the system's cryptographic generator, not in
 * `taken` (which it joins).
 */
export function newToken(orgId: string, taken: Set<string>): string {
  for (;;) {
    let random = '';
    for (let i = 0; i < TOKEN_RANDOM_LENGTH; i++) random += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
    const token = `${orgId}-${random}`;
    if (!taken.has(token)) {
      taken.add(token);
      return token;
    }
  }
}
