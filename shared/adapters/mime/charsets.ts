/**
 * Charset decoding for the parse function: the part of iconv-lite's interface that mailparser,
 * libmime and header repair use (`decode`, `decodeStream`, `encodingExists`), for every charset
 * name iconv-lite knows (charset-table.ts), without iconv-lite's double-byte tables: Node's
 * TextDecoder (ICU) reads Shift_JIS, EUC-JP, GBK, GB18030, Big5 and EUC-KR, and the single-byte
 * charsets whose bytes it decodes exactly as iconv-lite does; iconv-lite's own tables cover the
 * other single-byte charsets; UTF-7, UTF-16 and UTF-32 are decoded here. The Lambda bundle puts
 * this module where mailparser and libmime require iconv-lite (infra/bundling.ts), which takes
 * about 480 KB off the parse function. encoding-japanese.ts does the same for ISO-2022-JP.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { CHARSET_TARGETS, SINGLE_BYTE_TABLES } from './charset-table.ts';

interface Decoder {
  write(bytes: Buffer): string;
  end(): string;
}

/** iconv-lite's canonical form of a charset name: lower case, letters and digits, no ":1987" year. */
function canonical(charset: string): string {
  return `${charset}`.toLowerCase().replace(/:\d{4}$|[^0-9a-z]/g, '');
}

function targetOf(charset: string): string | null {
  return CHARSET_TARGETS[canonical(charset)] ?? null;
}

export function encodingExists(charset: string): boolean {
  return targetOf(charset) !== null;
}

/** The decoder for a charset; throws, as iconv-lite does, for a charset it does not know. */
function decoderFor(charset: string): Decoder {
  const target = targetOf(charset);
  if (target === null) {
    throw new Error(`Encoding not recognized: '${charset}' (searched as: '${canonical(charset)}')`);
  }
  if (target.startsWith('sbcs:')) return singleByte(SINGLE_BYTE_TABLES[target.slice(5)]!);
  switch (target) {
    case 'latin1':
    case 'base64':
    case 'hex':
      return nodeDecoder(target);
    case 'utf-7':
      return new Utf7Decoder('+', '/');
    case 'utf-7-imap':
      return new Utf7Decoder('&', ',');
    case 'utf-16':
      return new ByteOrderDecoder(2);
    case 'utf-32':
      return new ByteOrderDecoder(4);
    case 'utf-32le':
      return new Utf32Decoder(true);
    case 'utf-32be':
      return new Utf32Decoder(false);
    default:
      return textDecoder(target);
  }
}

export function decode(bytes: Buffer | Uint8Array | string, charset: string): string {
  const decoder = decoderFor(charset);
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'binary') : Buffer.from(bytes);
  return decoder.write(buffer) + decoder.end();
}

/** Bytes in, text out (as strings), like iconv-lite's decode stream. */
export function decodeStream(charset: string): Transform {
  const decoder = decoderFor(charset);
  return new Transform({
    readableObjectMode: false,
    decodeStrings: true,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const text = decoder.write(chunk);
      callback(null, text.length > 0 ? text : undefined);
    },
    flush(callback: TransformCallback) {
      const text = decoder.end();
      callback(null, text.length > 0 ? text : undefined);
    },
  });
}

function textDecoder(encoding: string): Decoder {
  const decoder = new TextDecoder(encoding);
  return {
    write: (bytes) => decoder.decode(bytes, { stream: true }),
    end: () => decoder.decode(),
  };
}

function nodeDecoder(encoding: 'latin1' | 'base64' | 'hex'): Decoder {
  // latin1 and hex are one byte a character; base64 is written in whole groups of three bytes.
  let rest: Buffer = Buffer.alloc(0);
  const unit = encoding === 'base64' ? 3 : 1;
  return {
    write(bytes) {
      const all = rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes;
      const whole = all.length - (all.length % unit);
      rest = all.subarray(whole);
      return all.subarray(0, whole).toString(encoding);
    },
    end: () => rest.toString(encoding),
  };
}

/** A single-byte charset: the characters of bytes 0x80–0xFF (or of all 256). */
function singleByte(table: string): Decoder {
  const offset = table.length === 128 ? 128 : 0;
  return {
    write(bytes) {
      let out = '';
      for (const b of bytes) out += b < offset ? String.fromCharCode(b) : table[b - offset];
      return out;
    },
    end: () => '',
  };
}

/** UTF-16 or UTF-32 without a stated byte order: the byte order mark says, little-endian otherwise. */
class ByteOrderDecoder implements Decoder {
  readonly #unit: 2 | 4;
  #head: Buffer = Buffer.alloc(0);
  #inner: Decoder | null = null;

  constructor(unit: 2 | 4) {
    this.#unit = unit;
  }

  write(bytes: Buffer): string {
    if (this.#inner) return this.#inner.write(bytes);
    this.#head = Buffer.concat([this.#head, bytes]);
    if (this.#head.length < this.#unit) return '';
    return this.#start().write(this.#head);
  }

  end(): string {
    const head = this.#inner ? '' : this.#start().write(this.#head);
    return head + this.#inner!.end();
  }

  #start(): Decoder {
    const h = this.#head;
    const bigEndian =
      this.#unit === 2
        ? h[0] === 0xfe && h[1] === 0xff
        : h[0] === 0 && h[1] === 0 && h[2] === 0xfe && h[3] === 0xff;
    this.#inner =
      this.#unit === 2 ? textDecoder(bigEndian ? 'utf-16be' : 'utf-16le') : new Utf32Decoder(!bigEndian);
    return this.#inner;
  }
}

class Utf32Decoder implements Decoder {
  readonly #littleEndian: boolean;
  #rest: Buffer = Buffer.alloc(0);
  #first = true;

  constructor(littleEndian: boolean) {
    this.#littleEndian = littleEndian;
  }

  write(bytes: Buffer): string {
    const all = this.#rest.length > 0 ? Buffer.concat([this.#rest, bytes]) : bytes;
    const whole = all.length - (all.length % 4);
    this.#rest = all.subarray(whole);
    let out = '';
    for (let i = 0; i < whole; i += 4) {
      const code = this.#littleEndian ? all.readUInt32LE(i) : all.readUInt32BE(i);
      if (this.#first && code === 0xfeff) {
        this.#first = false;
        continue;
      }
      this.#first = false;
      out += code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return out;
  }

  end(): string {
    return this.#rest.length > 0 ? '\ufffd' : '';
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * UTF-7 (RFC 2152): text as it is, `+…-` runs of modified base64 holding UTF-16 units; "+-" is a
 * plus sign. The IMAP variant (RFC 3501, mailbox names) writes `&` and `,` for `+` and `/`.
 */
class Utf7Decoder implements Decoder {
  readonly #shift: string;
  readonly #alphabet: string;
  #inBase64 = false;
  #bits = 0;
  #bitCount = 0;
  #justShifted = false;
  #units: number[] = [];

  constructor(shift: '+' | '&', slash: '/' | ',') {
    this.#shift = shift;
    this.#alphabet = `${BASE64}+${slash}`;
  }

  write(bytes: Buffer): string {
    let out = '';
    for (const b of bytes) {
      const c = String.fromCharCode(b);
      if (!this.#inBase64) {
        if (c === this.#shift) {
          this.#inBase64 = true;
          this.#justShifted = true;
          this.#bits = 0;
          this.#bitCount = 0;
        } else out += c;
        continue;
      }
      const value = this.#alphabet.indexOf(c);
      if (value !== -1 && b < 0x80) {
        this.#justShifted = false;
        this.#bits = ((this.#bits << 6) | value) & 0xffffff;
        this.#bitCount += 6;
        if (this.#bitCount >= 16) {
          this.#bitCount -= 16;
          this.#units.push((this.#bits >> this.#bitCount) & 0xffff);
        }
        continue;
      }
      // The run ends: "-" is absorbed ("+-" is a plus sign), anything else is text again.
      out += this.#flushUnits();
      if (c === '-' && this.#justShifted) out += this.#shift;
      else if (c !== '-') out += c;
      this.#inBase64 = false;
      this.#justShifted = false;
    }
    return out + this.#flushUnits(true);
  }

  end(): string {
    const out = this.#flushUnits();
    this.#inBase64 = false;
    return out;
  }

  /** The UTF-16 units decoded so far, keeping a high surrogate until its pair comes (unless `keepPair` is false). */
  #flushUnits(keepPair = false): string {
    let units = this.#units;
    const last = units.at(-1);
    let kept: number[] = [];
    if (keepPair && last !== undefined && last >= 0xd800 && last <= 0xdbff) {
      kept = [last];
      units = units.slice(0, -1);
    }
    this.#units = kept;
    return fromUnits(units);
  }
}

/** UTF-16 units as text, in slices (a spread of a very long array would overflow the stack). */
function fromUnits(units: number[]): string {
  let out = '';
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
  return out;
}

export default { decode, decodeStream, encodingExists };
