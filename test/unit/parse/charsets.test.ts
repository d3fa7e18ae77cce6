/**
 * Capture's charset decoder against iconv-lite, the library mailparser would otherwise use:
 * every name iconv-lite knows is known, single-byte charsets decode every byte the same, the
 * double-byte ones decode iconv-lite's own encoding of real text back to it, and the streams
 * survive multi-byte sequences cut between chunks.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import he from 'he';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CHARSET_TARGETS } from '#shared/adapters/mime/charset-table.ts';
import { decode, decodeStream, encodingExists } from '#shared/adapters/mime/charsets.ts';
import { convert } from '#shared/adapters/mime/encoding-japanese.ts';
import { encode } from '#shared/adapters/mime/html-escape.ts';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function streamed(bytes: Buffer, charset: string, size: number): Promise<string> {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  let out = '';
  for await (const text of Readable.from(chunks).pipe(decodeStream(charset))) out += String(text);
  return out;
}

describe('charset decoder', () => {
  it('knows every charset name iconv-lite knows, and only those', () => {
    const names = Object.keys(CHARSET_TARGETS);
    expect(names.length).toBeGreaterThan(400);
    for (const name of names) expect(iconv.encodingExists(name), name).toBe(true);
    // And the other way: the table was generated from this iconv-lite (scripts/charset-table.ts).
    const load = createRequire(import.meta.url);
    const theirs = ['internal', 'utf32', 'utf16', 'utf7', 'sbcs-data', 'sbcs-data-generated', 'dbcs-data']
      .flatMap((m) => Object.keys(load(`iconv-lite/encodings/${m}.js`)))
      .filter((k) => !k.startsWith('_'));
    expect(theirs.filter((k) => !(k in CHARSET_TARGETS))).toEqual([]);
    for (const label of [
      'ISO-8859-1',
      'Windows-1252',
      'KOI8-R',
      'ks_c_5601-1987',
      'x-sjis',
      'CP932',
      'ms932',
    ]) {
      expect(encodingExists(label), label).toBe(iconv.encodingExists(label));
    }
    expect(encodingExists('x-unknown-charset')).toBe(false);
    expect(() => decode(Buffer.from('a'), 'x-unknown-charset')).toThrow(/Encoding not recognized/);
  });

  it('decodes every byte of every single-byte charset as iconv-lite does', () => {
    const singleByte = Object.entries(CHARSET_TARGETS).filter(
      ([, target]) =>
        target.startsWith('sbcs:') || /^(iso-8859|windows-|koi8|ibm866|x-mac|macintosh|latin1)/.test(target),
    );
    expect(singleByte.length).toBeGreaterThan(200);
    for (const [name] of singleByte)
      expect(decode(ALL_BYTES, name), name).toBe(iconv.decode(ALL_BYTES, name));
  });

  it('decodes the double-byte charsets back to the text iconv-lite encoded', () => {
    const samples: Record<string, string> = {
      shiftjis: '注文番号 ORD-10042 の納期について、ご確認ください。',
      cp932: '会議は月曜日です ①②',
      eucjp: '請求書を添付します。',
      gbk: '订单 ORD-10042 已发货，请查收。',
      gb18030: '发票已开具 €',
      cp936: '谢谢您的订单',
      big5: '訂單已出貨，謝謝。',
      cp950: '請確認交貨日期',
      euckr: '주문 ORD-10042 배송 안내',
      ksc56011987: '감사합니다',
    };
    for (const [name, text] of Object.entries(samples)) {
      expect(decode(iconv.encode(text, name), name), name).toBe(text);
    }
  });

  it('decodes UTF-7, UTF-16 and UTF-32 as iconv-lite does', () => {
    for (const text of ['Preis +AKM-1 und +-5', 'Hi Mom -+Jjo--!', '+ZeVnLIqe-', 'A+ImIDkQ.', 'plain']) {
      expect(decode(Buffer.from(text), 'utf-7'), text).toBe(iconv.decode(Buffer.from(text), 'utf-7'));
    }
    const text = 'Grüße, 注文 😀';
    for (const name of ['utf-16le', 'utf-16be', 'utf-16', 'utf-32le', 'utf-32be', 'utf-32', 'ucs2']) {
      const bytes = iconv.encode(text, name, { addBOM: true });
      expect(decode(bytes, name), name).toBe(iconv.decode(bytes, name));
    }
  });

  it('decodes streams whose chunks cut multi-byte sequences, UTF-7 runs and surrogate pairs', async () => {
    const cases: [string, string][] = [
      ['shift_jis', '注文番号の納期について'],
      ['euc-kr', '주문 배송 안내'],
      ['utf-7', 'Grüße 😀 +- 1 注文'],
      ['utf-16be', 'Grüße 😀'],
      ['utf-32le', 'Grüße 😀'],
      ['windows-1251', 'Здравствуйте'],
      ['cp437', 'Größe ░▒▓'],
    ];
    for (const [name, text] of cases) {
      const bytes = iconv.encode(text, name);
      for (const size of [1, 2, 3, 5])
        expect(await streamed(bytes, name, size), `${name}/${size}`).toBe(text);
    }
  });

  it('reads ISO-2022-JP and EUC-JP where mailparser and libmime ask encoding-japanese', () => {
    const jis = Buffer.from('1b2442244f24371b2842204f52442d3130303432', 'hex'); // "はし ORD-10042"
    expect(convert(jis, { to: 'UNICODE', from: 'ISO-2022-JP', type: 'string' })).toBe('はし ORD-10042');
    expect(convert(jis, { to: 'UNICODE', from: 'JIS', type: 'string' })).toBe('はし ORD-10042');
    // Two encoded words of one Subject joined: "ESC ( B" then at once "ESC $ B" is read on.
    const word = Buffer.from('GyRCJUYlOSVIGyhC', 'base64'); // テスト
    expect(convert(Buffer.concat([word, word]), { to: 'UNICODE', from: 'ISO-2022-JP', type: 'string' })).toBe(
      'テストテスト',
    );
    const euc = iconv.encode('請求書', 'euc-jp');
    expect(convert(euc, { to: 'UNICODE', from: 'EUCJP', type: 'string' })).toBe('請求書');
    expect(() => convert(euc, { to: 'UNICODE', from: 'KOI8-R', type: 'string' })).toThrow(/not supported/);
  });

  it('escapes text for HTML as he does by default, and names the unsafe characters when asked', () => {
    const samples = [
      'a & b <c> "d" \'e\' `f`',
      'Grüße 😀 注文 \u00A0\u0085\u0081',
      'plain',
      '\u0000\u0007\u007Fx',
      '\uD800 lone',
    ];
    for (const s of samples) expect(encode(s), s).toBe(he.encode(s));
    expect(encode('<a href="x">&</a>', { useNamedReferences: true })).toBe(
      he.encode('<a href="x">&</a>', { useNamedReferences: true }),
    );
  });
});
