import { describe, expect, it } from 'vitest';
import { htmlToText } from '#shared/adapters/mime/html-text.ts';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { parseRegistry } from '#shared/config/registry.ts';
import { fixture, mime, org } from './helpers.ts';

/** An org that relies on its own pattern only (no default labels). */
const soOnly = parseRegistry({
  captureDomain: 'capture.example.com',
  orgs: [
    {
      id: 'so-only',
      internalDomains: ['acme.example'],
      defaultOwnerEmail: 'ops@acme.example',
      addresses: [{ token: 'so-only-k7q2m9x4p8w3', mode: 'bcc' }],
      orderNumbers: { patterns: ['\\bSO-\\d{6}\\b'], useDefaults: false },
    },
  ],
}).orgs[0]!;

const budget = { maxChars: 1_000_000, maxDepth: 100, maxElements: 10_000 };

describe('HTML bodies keep the structure a reader sees', () => {
  it('separates table cells and rows, so an order number in a cell is found', async () => {
    for (const o of [org, soOnly]) {
      const email = await parseEmail(fixture('html/order-table.eml'), { org: o });
      expect(email.text).toBe('Status of your orders:\n\nOrder | Status\nSO-100007 | Shipped');
      expect(email.orderNumbers).toEqual(['SO-100007']);
      expect(email.cutShort).toEqual([]);
    }
  });

  it('reads a shop confirmation: headings, line breaks, item table, list and link text', async () => {
    const email = await parseEmail(fixture('html/shop-confirmation.eml'), { org });
    expect(email.text).toBe(
      [
        'Thanks for your order, Alice!',
        '',
        'Order number: ORD-204518',
        'Placed on 16/11/2026',
        '',
        'Item | Qty | Price',
        'Widget, blue | 2 | €19.90',
        'Gadget | 1 | €5.00',
        'Total | €44.80',
        '- Delivery: 2–3 working days',
        '- Payment: card ending 4242',
        '',
        'Track your order',
      ].join('\n'),
    );
    // The Task shows this text and the order patterns scanned the same text.
    expect(email.orderNumbers).toEqual(['ORD-204518']);
  });

  it('reads a nested layout table row by row', async () => {
    const email = await parseEmail(fixture('html/nested-layout.eml'), { org: soOnly });
    expect(email.text).toContain(
      'Your shipment has left our warehouse.\nSales order | SO-100042\nCarrier | DHL',
    );
    expect(email.text).toContain('Questions? Write to us.');
    expect(email.orderNumbers).toEqual(['SO-100042']);
  });

  it('keeps an HTML part that sits beside the text part, not as its alternative', async () => {
    const raw = mime(
      { From: 'erp@globex.example', Subject: 'status', 'Content-Type': 'multipart/mixed; boundary="b"' },
      '--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--b\r\nContent-Type: text/html\r\n\r\n<table><tr><td>Order</td><td>SO-100007</td></tr></table>\r\n--b--\r\n',
    );
    const email = await parseEmail(raw, { org: soOnly });
    expect(email.text).toBe('See below.\n\nOrder | SO-100007');
    expect(email.orderNumbers).toEqual(['SO-100007']);
  });

  it('uses the text part when the HTML is its alternative, and never an HTML attachment', async () => {
    const raw = mime(
      { From: 'erp@globex.example', Subject: 'status', 'Content-Type': 'multipart/mixed; boundary="m"' },
      [
        '--m',
        'Content-Type: multipart/alternative;',
        ' boundary="a"',
        '',
        '--a',
        'Content-Type: text/plain',
        '',
        'Plain version',
        '--a',
        'Content-Type: multipart/related; boundary="r"',
        '',
        '--r',
        'Content-Type: text/html',
        '',
        '<p>HTML version</p>',
        '--r--',
        '--a--',
        '--m',
        'Content-Type: text/html',
        'Content-Disposition: attachment; filename="page.html"',
        '',
        '<p>file</p>',
        '--m--',
        '',
      ].join('\r\n'),
    );
    const email = await parseEmail(raw, { org });
    expect(email.text).toBe('Plain version');
  });

  it('drops scripts, styles and comments and keeps a lone "<" as text', () => {
    const out = htmlToText(
      '<style>p{color:red}</style><script>var a = "<b>";</script><!-- hidden --><p>a < b</p><SCRIPT>x</SCRIPT>end',
      budget,
    );
    expect(out.text).toBe('a < b\n\nend');
  });

  it('reads a body after an unclosed head', () => {
    const out = htmlToText('<html><head><meta charset="utf-8"><title>T</title><body><p>Hi there</p>', budget);
    expect(out.text).toBe('Hi there');
  });
});
