/**
 * `capture send`: hands a mail to an SMTP server, by default the local stack's SES stand-in, so
 * trying Capture needs no mail client. It either composes one (`--subject`, `--body`, headers)
 * or sends .eml files as they are. The envelope is what a capture address is found in: `--to`
 * and `--cc` go in the headers and the envelope, `--bcc` in the envelope only, as a rep's mail
 * client does it. Prints each message's Message-ID (what `capture status` takes) and the
 * server's reply.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { usageError } from '../usage.ts';

interface SendOptions {
  server?: string;
  from: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  body?: string;
  header?: string[];
  messageId?: string;
  attach?: string[];
  json?: boolean;
}

const DEFAULT_SMTP_PORT = 2525;

/** host:port; the default is the local stack (CAPTURE_SMTP_PORT, as `npm start` reads it). */
function server(value: string | undefined): { host: string; port: number } {
  const text = value ?? `127.0.0.1:${process.env.CAPTURE_SMTP_PORT || DEFAULT_SMTP_PORT}`;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  const port = Number(match?.[2] ?? 25);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError(`${text} is not host:port`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/;

function addresses(value: string, previous: string[] = []): string[] {
  const list = value
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const a of list) if (!ADDRESS.test(a)) throw new InvalidArgumentError(`${a} is not an email address`);
  return [...previous, ...list];
}

function header(value: string, previous: string[] = []): string[] {
  if (!/^[!-9;-~]+:/.test(value)) throw new InvalidArgumentError(`${value} is not "Name: value"`);
  return [...previous, value];
}

function address(value: string): string {
  if (!ADDRESS.test(value)) throw new InvalidArgumentError(`${value} is not an email address`);
  return value;
}

function bracketed(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
}

type Message = SendMailOptions & { label: string; fileMessageId?: string | null };

/** The Message-ID header of a raw mail as written (nodemailer reports a new one for raw mail). */
export function messageIdOf(raw: Buffer): string | null {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end === -1 ? head : head.slice(0, end);
  const match = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(block);
  return match?.[1] ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim() || null : null;
}

async function messages(files: string[], options: SendOptions): Promise<Message[]> {
  const recipients = [...(options.to ?? []), ...(options.cc ?? []), ...(options.bcc ?? [])];
  const envelope = { from: options.from, to: recipients };
  if (files.length > 0) {
    // As written: the file's own headers stay; only the envelope comes from the flags.
    return Promise.all(
      files.map(async (file) => {
        const raw = await readFile(file);
        return { label: file, envelope, raw, fileMessageId: messageIdOf(raw) };
      }),
    );
  }
  const headers = (options.header ?? []).map((line) => {
    const colon = line.indexOf(':');
    return { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
  });
  return [
    {
      label: options.subject ?? '(no subject)',
      envelope,
      from: options.from,
      ...(options.to ? { to: options.to } : {}),
      ...(options.cc ? { cc: options.cc } : {}),
      subject: options.subject ?? '',
      text: options.body ?? '',
      headers,
      ...(options.messageId ? { messageId: bracketed(options.messageId) } : {}),
      ...(options.attach ? { attachments: options.attach.map((path) => ({ path })) } : {}),
    },
  ];
}

/** The SMTP conversation's failure in one line, with the way out when nothing listens. */
function sendFailure(error: unknown, where: { host: string; port: number }): Error {
  const e = error as { code?: string; response?: string; message?: string };
  if (/ECONNREFUSED/.test(e.message ?? ''))
    return new Error(
      `nothing answers at ${where.host}:${where.port}: is npm start running? (CAPTURE_SMTP_PORT sets its port; --server names another)`,
    );
  return new Error(e.response ?? e.message ?? String(error));
}

/**
 * A recipient the server refused while it took others is reported, not a failure: the local
 * stack, like SES, takes only its capture domain, so `--to` a customer is refused there while
 * the capture address in the envelope gets the mail. A mail no recipient took fails (exit 1).
 */
async function send(files: string[], options: SendOptions): Promise<void> {
  const where = server(options.server);
  const transport = nodemailer.createTransport({ ...where, secure: false, ignoreTLS: true });
  try {
    for (const message of await messages(files, options)) {
      const { label, fileMessageId, ...mail } = message;
      let info: SMTPTransport.SentMessageInfo;
      try {
        info = await transport.sendMail(mail);
      } catch (error) {
        throw sendFailure(error, where);
      }
      const messageId = fileMessageId === undefined ? info.messageId : (fileMessageId ?? '(none)');
      const refusals = (info.rejectedErrors ?? []).map((e) => ({
        recipient: String((e as { recipient?: string }).recipient ?? ''),
        reply: String((e as { response?: string }).response ?? e.message),
      }));
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ messageId, accepted: info.accepted.map(String), rejected: info.rejected.map(String), response: info.response })}\n`,
        );
        continue;
      }
      const lines = [`sent ${label}`, `  Message-ID ${messageId}`, `  ${info.response}`];
      for (const r of refusals) lines.push(`  not taken by this server: ${r.recipient} (${r.reply})`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    transport.close();
  }
}

export function registerSend(program: Command): void {
  program
    .command('send')
    .description(
      'send a mail to the local stack (or any SMTP server): composed from flags, or .eml files as they are',
    )
    .argument('[files...]', '.eml files to send unchanged (the flags then set only the envelope)')
    .requiredOption('--from <address>', 'sender (envelope and, when composing, the From header)', address)
    .option('--to <addresses>', 'To recipients (comma-separated or repeated)', addresses)
    .option('--cc <addresses>', 'Cc recipients', addresses)
    .option('--bcc <addresses>', 'Bcc recipients: in the envelope only, as a capture address is', addresses)
    .option('--subject <text>', 'Subject')
    .option('--body <text>', 'plain text body')
    .option('--header <"Name: value">', 'an extra header (repeatable)', header)
    .option('--message-id <id>', 'Message-ID, e.g. "<order-10042@acme.example>" (default: a new one)')
    .option('--attach <file>', 'attach a file (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option(
      '--server <host:port>',
      `SMTP server (default: the local stack, 127.0.0.1 and CAPTURE_SMTP_PORT or ${DEFAULT_SMTP_PORT})`,
      (value: string) => {
        server(value);
        return value;
      },
    )
    .option('--json', 'print one JSON object per message')
    .action(async function (this: Command, files: string[], options: SendOptions) {
      if (!options.to && !options.cc && !options.bcc)
        usageError(this, 'give at least one of --to, --cc, --bcc');
      const composing =
        options.subject ?? options.body ?? options.header ?? options.messageId ?? options.attach;
      if (files.length > 0 && composing !== undefined)
        usageError(
          this,
          '--subject, --body, --header, --message-id and --attach compose a mail; not with files',
        );
      await send(files, options);
    });
}
