/**
 * The per-mail reply address of a notice: `reply.<token>@<capture domain>`, where the token is 24
 * random letters and digits (about 124 bits) made for one unresolved mail. It can never be an
 * org's capture address: capture tokens hold no dot (registry TOKEN_PATTERN). Lower case, so a
 * mail system that changes the case of the local part still reaches it. Pure.
 */
export const REPLY_LOCAL_PREFIX = 'reply.';
export const REPLY_TOKEN_LENGTH = 24;
const TOKEN = /^[a-z0-9]{24}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A token from random bytes (the caller brings the randomness: crypto.randomBytes). */
export function replyTokenFrom(randomBytes: (size: number) => Uint8Array): string {
  let token = '';
  while (token.length < REPLY_TOKEN_LENGTH) {
    // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps tokens uniform.
    for (const b of randomBytes(REPLY_TOKEN_LENGTH)) {
      if (b < 252 && token.length < REPLY_TOKEN_LENGTH) token += ALPHABET[b % 36];
    }
  }
  return token;
}

export function replyAddressOf(token: string, captureDomain: string): string {
  return `${REPLY_LOCAL_PREFIX}${token}@${captureDomain}`;
}

/**
 * The token of a reply address at the capture domain (case-insensitive, `<>` and a `+tag`
 * ignored); null for any other address.
 */
export function replyTokenOf(address: string, captureDomain: string): string | null {
  const trimmed = address.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || trimmed.slice(at + 1) !== captureDomain.toLowerCase()) return null;
  const local = trimmed.slice(0, at).split('+')[0] ?? '';
  if (!local.startsWith(REPLY_LOCAL_PREFIX)) return null;
  const token = local.slice(REPLY_LOCAL_PREFIX.length);
  return TOKEN.test(token) ? token : null;
}

/** Whether the address has the shape of a reply address (whether it is still valid is another matter). */
export function isReplyAddress(address: string, captureDomain: string): boolean {
  return replyTokenOf(address, captureDomain) !== null;
}
