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

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
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
