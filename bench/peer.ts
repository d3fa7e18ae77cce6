/**
 * The sides the parse stage is measured against, from the libraries alone (nothing of the
 * project's own is loaded here, so a process running only these pays for none of it).
 */
import * as chrono from 'chrono-node';
import EmailForwardParser from 'email-forward-parser';
import { convert } from 'html-to-text';
import { simpleParser } from 'mailparser';

/** The MailParser options parse-email.ts sets (5 MB is its default HTML limit). */
export const BARE_OPTIONS = {
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  maxHtmlLengthToParse: 5 * 1024 * 1024,
};

export const bare = (m: Buffer) => simpleParser(m, BARE_OPTIONS).catch(() => null);

const forwards = new EmailForwardParser();
const ORDER_NUMBER = /\bORD-\d{5,8}\b/g;

/**
 * A peer assembled from the same libraries doing the same work: mailparser, html-to-text for
 * HTML-only mail, email-forward-parser for an inline forward, chrono-node for its date, and a
 * regular expression for order numbers. No budgets, no header repair, no policy: the cost of the
 * libraries alone, which the parse stage should not exceed.
 */
export async function peer(m: Buffer) {
  const mail = await simpleParser(m, BARE_OPTIONS).catch(() => null);
  if (!mail) return null;
  const text = mail.text?.trim()
    ? mail.text
    : typeof mail.html === 'string'
      ? convert(mail.html, { wordwrap: false })
      : '';
  const forwarded = forwards.read(text, mail.subject ?? '');
  const date = forwarded.forwarded && forwarded.email?.date ? chrono.parseDate(forwarded.email.date) : null;
  const orders = [...`${mail.subject ?? ''}\n${text}`.matchAll(ORDER_NUMBER)].map((o) => o[0]);
  return { mail, forwarded, date, orders };
}
