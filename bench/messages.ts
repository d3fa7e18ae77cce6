/** Synthetic messages for the size and attachment-count curves and the large message. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const HEAD =
  'From: Alice <alice@acme.example>\r\nTo: jane.doe@globex.example\r\nSubject: Drawings ORD-10042\r\n' +
  'Message-ID: <bench@acme.example>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n';

function base64Part(name: string, bytes: number): string {
  const data = randomBytes(bytes).toString('base64').replace(/.{76}/g, '$&\r\n');
  return (
    `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${name}"\r\n` +
    `Content-Transfer-Encoding: base64\r\n\r\n${data}\r\n`
  );
}

/** A short text body and `count` base64 attachments of `eachBytes` decoded bytes. */
export function withAttachments(count: number, eachBytes: number): Buffer {
  const parts = Array.from({ length: count }, (_, i) => base64Part(`part${i}.bin`, eachBytes));
  return Buffer.from(
    `${HEAD}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n` +
      `Drawings attached.\r\n${parts.join('')}--b--\r\n`,
  );
}

/** A message of about `totalBytes`: a short body and four attachments (the large message at ~38 MB). */
export function ofSize(totalBytes: number): Buffer {
  // base64 grows 4/3 plus line breaks (78/76).
  const each = Math.max(0, Math.floor((totalBytes - 600) / 4 / ((4 / 3) * (78 / 76))));
  return each < 256 ? textOfSize(totalBytes) : withAttachments(4, each);
}

/** A single text/plain body of about `totalBytes` (words and line breaks, like a long thread). */
export function textOfSize(totalBytes: number): Buffer {
  const line = 'Thanks for the drawings, the order ORD-10042 ships on Monday as agreed with Jane.\r\n';
  const body = line.repeat(Math.max(1, Math.ceil((totalBytes - HEAD.length) / line.length)));
  return Buffer.from(`${HEAD}Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`);
}

/** The bytes as a stream of 64 KB chunks, as S3 hands them over. */
export function chunked(buffer: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
    })(),
  );
}
