/** Small HTTP helpers shared by the emulator's routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.ts';

export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload ? { 'content-type': 'application/json;charset=UTF-8' } : {}),
    ...headers,
  });
  res.end(payload);
}

/**
 * Salesforce takes at most 50 MB of text in a non-multipart request ("Insert or Update Blob
 * Data"); the emulator stops reading there too, so a runaway client cannot exhaust it.
 */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export async function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      throw new HttpError(413, [
        { message: `Request body larger than ${max} bytes`, errorCode: 'REQUEST_ENTITY_TOO_LARGE' },
      ]);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, [
      { message: 'Unexpected character in JSON body', errorCode: 'JSON_PARSER_ERROR' },
    ]);
  }
}
