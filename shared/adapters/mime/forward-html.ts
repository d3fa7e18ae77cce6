/**
 * Library-backed readings the pure parse rules need from the MIME reader: an HTML body as
 * unwrapped text for finding a forward, and mailparser's address objects as plain addresses.
 */
import { compile } from 'html-to-text';
import type { AddressObject } from 'mailparser';
import type { MailAddress } from '../../domain/captured-email.ts';
import { toMailAddress } from '../../domain/parse/gateway-address.ts';
import { withoutInheritedTags } from './html-text.ts';

// Compiled once: html-to-text builds its selector tree on every convert() call otherwise.
let convertForForward: ((html: string) => string) | null = null;

/**
 * Text of an HTML-only body for finding a forward: one line per block and no word wrapping
 * (wrapping at 80 columns splits "Sent: Tuesday, November 2, 2021" over two lines and the
 * header block no longer reads), quoted blocks prefixed with ">".
 */
export function forwardTextOfHtml(html: string, maxHtmlChars: number): string {
  // A <br> that ends a block adds no line in a browser; Apple Mail ends every header line so.
  const source = withoutInheritedTags(html.slice(0, maxHtmlChars)).replace(
    /<br\s*\/?>((?:\s*<\/(?:span|b|strong|font|i|em)>)*)\s*(?=<\/(?:div|p)>)/gi,
    '$1',
  );
  convertForForward ??= compileForwardConverter();
  return convertForForward(source);
}

function compileForwardConverter(): (html: string) => string {
  return compile({
    wordwrap: false,
    preserveNewlines: false,
    formatters: {
      // Outlook's plain text draws the rule above a forwarded header block with 32 underscores.
      ruleAsUnderscores: (_elem, _walk, builder) => {
        builder.openBlock({ leadingLineBreaks: 1 });
        builder.addLiteral('_'.repeat(32));
        builder.closeBlock({ trailingLineBreaks: 1 });
      },
    },
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'p', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
      { selector: 'hr', format: 'ruleAsUnderscores' },
      // Thunderbird puts the forwarded header block in a table with the labels in <th>.
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  });
}

/**
 * mailparser's address objects as plain addresses, each read back from the forms mail gateways
 * leave (an Exchange IMCEA wrapper gives the address it wraps, a Notes name `Jane Doe/Sales/ACME@ACME`
 * is no address, quotes and list separators around an address go).
 */
export function flattenAddresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: MailAddress[] = [];
  const walk = (entries: { address?: string; name?: string; group?: unknown[] }[]) => {
    for (const entry of entries) {
      if (Array.isArray(entry.group)) walk(entry.group as typeof entries);
      else if (entry.address?.includes('@')) {
        const address = toMailAddress(entry.address, entry.name);
        if (address) out.push(address);
      }
    }
  };
  for (const object of objects) walk(object.value);
  return out;
}
