/**
 * Repairs the top-level header block before MIME parsing, where real mail differs from the RFCs:
 * - raw 8-bit header bytes that are not UTF-8 are decoded with the message's declared charset
 *   (or windows-1252) instead of becoming U+FFFD;
 * - an encoded word holding raw 8-bit bytes is decoded once, in its own declared charset;
 * - in a message whose charset is UTF-7, a Subject written in bare UTF-7 is decoded;
 * - single-valued headers that appear twice keep the first occurrence (mailparser keeps the last);
 * - a leading mbox `From ` line is dropped; an oversized header block is cut at a line boundary.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import type { ChunkStage, Pass } from './guarded-transform.ts';

const SINGLE_VALUED = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'subject',
  'message-id',
  'date',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

interface Field {
  name: string;
  lines: Buffer[];
}

/** The block's fields; `changed` when their lines no longer join back into the block as it is. */
function splitFields(block: Buffer): { fields: Field[]; garbage: number; changed: boolean } {
  const fields: Field[] = [];
  let garbage = 0;
  let changed = false;
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(0x0a, start);
    if (end === -1) end = block.length - 1;
    const line = block.subarray(start, end + 1);
    start = end + 1;
    const first = line[0];
    const last = fields.at(-1);
    if ((first === 0x20 || first === 0x09) && last) {
      last.lines.push(line);
      continue;
    }
    const colon = line.indexOf(0x3a);
    const rawName = colon > 0 ? line.subarray(0, colon).toString('latin1') : '';
    const name = rawName.trimEnd();
    if (colon > 0 && /^[!-9;-~]+$/.test(name)) {
      // Obsolete syntax (RFC 5322 §4.5) allows white space before the colon: "Subject  : …".
      if (name === rawName) {
        fields.push({ name: name.toLowerCase(), lines: [line] });
      } else {
        changed = true;
        const fixed = Buffer.concat([Buffer.from(name, 'latin1'), line.subarray(colon)]);
        fields.push({ name: name.toLowerCase(), lines: [fixed] });
      }
    } else {
      changed = true;
      if (line.toString('latin1').trim() !== '') {
        garbage++;
        // Keep it attached to the previous field so nothing is silently dropped from view.
        if (last) last.lines.push(Buffer.concat([Buffer.from(' '), line]));
      }
    }
  }
  return { fields, garbage, changed };
}

function usableCharset(value: string): string | null {
  const match = /charset\s*=\s*"?([A-Za-z0-9_.:-]+)"?/i.exec(value);
  const charset = match?.[1]?.toLowerCase();
  if (!charset || charset === 'us-ascii' || charset === 'utf-8' || charset === 'utf8') return null;
  return iconv.encodingExists(charset) ? charset : null;
}

/**
 * The message's charset: the top-level Content-Type's, else (a multipart message) the first one
 * a part declares in the start of the body, `bodyStart`.
 */
function declaredCharset(fields: Field[], bodyStart: Buffer): string | null {
  const contentType = fields.find((f) => f.name === 'content-type');
  const top = contentType ? Buffer.concat(contentType.lines).toString('latin1') : '';
  if (/charset\s*=/i.test(top)) return usableCharset(top);
  if (!/multipart\//i.test(top)) return null;
  const partHeader = /^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim;
  for (const match of bodyStart.toString('latin1').matchAll(partHeader)) {
    if (/charset\s*=/i.test(match[0])) return usableCharset(match[0]);
  }
  return null;
}

/** How much of the body is searched for a part's charset when the top level declares none. */
const BODY_PEEK_BYTES = 16 * 1024;

const isUtf7 = (charset: string | null) => charset === 'utf-7' || charset === 'utf7';

/** An encoded word (RFC 2047) as raw bytes read as latin1, so 8-bit bytes stay one char each. */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?]*)\?=/g;

function utf8Word(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/**
 * Old clients (Eudora and others) put raw 8-bit bytes inside Q-encoded words. Decoding the whole
 * header block first would turn those bytes into UTF-8 and the encoded word would then be decoded
 * a second time ("FrÃ¶sche"). Such words are decoded here, once, in their own charset, and written
 * back as UTF-8 encoded words so the MIME parser reads the text as is.
 */
function decodeRawEncodedWords(field: Field): boolean {
  const raw = Buffer.concat(field.lines).toString('latin1');
  if (!/[\x80-\xff]/.test(raw) || !raw.includes('=?')) return false;
  let changed = false;
  const fixed = raw.replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
    if (!/[\x80-\xff]/.test(text) || !iconv.encodingExists(charset)) return word;
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                String.fromCharCode(Number.parseInt(hex, 16)),
              ),
            'latin1',
          );
    changed = true;
    return utf8Word(iconv.decode(bytes, charset));
  });
  if (changed) field.lines = [Buffer.from(fixed, 'latin1')];
  return changed;
}

const UNSTRUCTURED = new Set(['subject', 'comments', 'keywords', 'thread-topic']);

/** A bare UTF-7 Subject ("Preis +AKM-1") in a message that declares UTF-7 as its charset. */
function decodeUtf7Field(field: Field): boolean {
  if (!UNSTRUCTURED.has(field.name)) return false;
  const raw = Buffer.concat(field.lines).toString('latin1');
  const colon = raw.indexOf(':');
  const value = raw
    .slice(colon + 1)
    .replace(/\r?\n$/, '')
    .replace(/\r?\n[ \t]/g, ' ');
  if (!/\+[A-Za-z0-9+/]+-?/.test(value) || value.includes('=?')) return false;
  const decoded = iconv.decode(Buffer.from(value.trim(), 'latin1'), 'utf-7');
  if (decoded === value.trim()) return false;
  field.lines = [Buffer.from(`${raw.slice(0, colon)}: ${utf8Word(decoded)}\r\n`, 'latin1')];
  return true;
}

export interface RepairedHeaders {
  block: Buffer;
  warnings: string[];
  /** Number of well-formed header fields found. Zero means the input is not an email. */
  fieldCount: number;
}

export function repairHeaderBlock(input: Buffer, bodyStart: Buffer = Buffer.alloc(0)): RepairedHeaders {
  const warnings: string[] = [];
  let block = input;
  const head = block.subarray(0, 80).toString('latin1');
  if (head.startsWith('From ') && !/^From\s*:/.test(head)) {
    const eol = block.indexOf(0x0a);
    block = eol === -1 ? Buffer.alloc(0) : block.subarray(eol + 1);
  }
  const split = splitFields(block);
  const { fields, garbage } = split;
  // Unchanged fields join back into the block as it is: no copy of it is made then.
  let changed = split.changed;
  if (garbage > 0) warnings.push(`${garbage} malformed header line(s) kept as continuation text`);

  const seen = new Set<string>();
  const kept: Field[] = [];
  for (const field of fields) {
    if (SINGLE_VALUED.has(field.name) && seen.has(field.name)) {
      warnings.push(`duplicate ${field.name} header: the first one is used`);
      changed = true;
      continue;
    }
    seen.add(field.name);
    kept.push(field);
  }

  const declared = declaredCharset(kept, bodyStart.subarray(0, BODY_PEEK_BYTES));
  // Comments are cut and UTF-7 decoded into ASCII, so a block without 8-bit bytes stays without.
  const eightBit = !isAscii(block);
  let rawWords = 0;
  let utf7 = 0;
  for (const field of kept) {
    if (cleanField(field)) changed = true;
    if (eightBit && decodeRawEncodedWords(field)) rawWords++;
    if (isUtf7(declared) && decodeUtf7Field(field)) utf7++;
  }
  if (rawWords > 0 || utf7 > 0) changed = true;
  if (rawWords > 0)
    warnings.push(`${rawWords} encoded header(s) held raw 8-bit bytes: decoded in their charset`);
  if (utf7 > 0) warnings.push('UTF-7 header text decoded');
  let out = changed ? Buffer.concat(kept.flatMap((f) => f.lines)) : block;
  if (eightBit && !isUtf8(out)) {
    // UTF-7 is a 7-bit charset: raw 8-bit bytes beside it cannot be UTF-7.
    const charset = declared && !isUtf7(declared) ? declared : 'windows-1252';
    out = Buffer.from(iconv.decode(out, charset), 'utf8');
    warnings.push(`raw 8-bit header bytes decoded as ${charset}`);
  }
  return { block: out, warnings, fieldCount: kept.length };
}

/**
 * Stage before mailparser: buffers the header block (up to `maxHeaderBytes`), repairs it, then
 * passes the body through untouched. `result` is available once the header block has been seen.
 */
export class HeaderBlockRepair implements ChunkStage {
  result: RepairedHeaders | null = null;
  bytes = 0;
  readonly #maxHeaderBytes: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #done = false;

  constructor(maxHeaderBytes: number) {
    this.#maxHeaderBytes = maxHeaderBytes;
  }

  read(chunk: Buffer, pass: Pass): void {
    this.bytes += chunk.length;
    if (this.#done) {
      pass(chunk);
      return;
    }
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    // A message handed over whole is one chunk: read in place, not copied.
    const buffered = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending);
    this.#pending = [buffered];
    const end = findHeaderEnd(buffered);
    if (end !== -1 && end <= this.#maxHeaderBytes) {
      this.#emit(buffered.subarray(0, end), buffered.subarray(end), [], pass);
    } else if (this.#pendingLength > this.#maxHeaderBytes) {
      const cut = buffered.lastIndexOf(0x0a, this.#maxHeaderBytes);
      const at = cut > 0 ? cut + 1 : this.#maxHeaderBytes;
      this.#emit(
        buffered.subarray(0, at),
        Buffer.concat([Buffer.from('\r\n'), buffered.subarray(at)]),
        [`header block larger than ${this.#maxHeaderBytes} bytes: the rest is treated as body`],
        pass,
      );
    }
  }

  end(pass: Pass): void {
    if (!this.#done) {
      const buffered = Buffer.concat(this.#pending);
      // A message with headers only (no blank line): parse it as headers with an empty body.
      this.#emit(buffered, Buffer.from('\r\n'), [], pass);
    }
  }

  #emit(header: Buffer, rest: Buffer, warnings: string[], pass: Pass): void {
    this.#done = true;
    this.#pending = [];
    const repaired = repairHeaderBlock(header, rest);
    repaired.warnings.unshift(...warnings);
    this.result = repaired;
    pass(repaired.block);
    if (rest.length > 0) pass(rest);
  }
}

/** Index just after the last header line (before the blank line), or -1. */
function findHeaderEnd(buffer: Buffer): number {
  if (buffer[0] === 0x0a) return 0;
  if (buffer[0] === 0x0d && buffer[1] === 0x0a) return 0;
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return -1;
  if (crlf === -1) return lf + 1;
  if (lf === -1) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}

const ADDRESS_FIELDS = new Set(['from', 'sender', 'reply-to', 'to', 'cc', 'bcc']);
const ID_FIELDS = new Set(['message-id', 'in-reply-to', 'references']);

/**
 * Removes RFC 5322 comments where mailparser would misread them: inside and around angle
 * addresses ("Pete(A \\) chap) <pete(his account)@silly.test(his host)>"), inside message ids
 * and in dates. A bare "addr@example.com (Name)" keeps its comment: it is the display name.
 */
function cleanField(field: Field): boolean {
  const isAddress = ADDRESS_FIELDS.has(field.name);
  const isId = ID_FIELDS.has(field.name);
  const isDate = field.name === 'date';
  if (!isAddress && !isId && !isDate) return false;
  const raw = Buffer.concat(field.lines).toString('latin1');
  if (!raw.includes('(') && !(isId && /<[^>]*\s[^>]*>/.test(raw))) return false;
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon);
  const value = raw.slice(colon + 1).replace(/\r?\n$/, '');
  let cleaned: string;
  if (isAddress) {
    if (!value.includes('<')) return false;
    cleaned = stripComments(value, true);
  } else if (isId) {
    cleaned = stripComments(value, true);
  } else {
    cleaned = stripComments(value, false)
      .replace(/\s*:\s*/g, ':')
      .replace(/\s+/g, ' ');
  }
  field.lines = [Buffer.from(`${name}: ${cleaned.trim()}\r\n`, 'latin1')];
  return true;
}

function stripComments(value: string, squeezeAngles: boolean): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') {
      depth = 1;
      continue;
    } else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    if (squeezeAngles && angle && !quoted && /\s/.test(c)) continue;
    out += c;
  }
  return out;
}
