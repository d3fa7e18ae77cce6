/**
 * The MIME budget pass reads the raw stream line by line, in whatever chunks the stream gives:
 * its counts and the bytes it passes on must not depend on where the chunks break.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type MimeBudget, MimeBudgetScan } from '#shared/adapters/mime/mime-budget.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/parse', import.meta.url));

function emlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return emlFiles(path);
    return name.endsWith('.eml') ? [path] : [];
  });
}

function scan(message: Buffer, chunkSize: number, budget: MimeBudget) {
  const scanner = new MimeBudgetScan(budget);
  const passed: Buffer[] = [];
  for (let at = 0; at < message.length; at += chunkSize) {
    scanner.read(message.subarray(at, at + chunkSize), (bytes) => passed.push(bytes));
  }
  scanner.end();
  const { cut, parts, sawTextPlain, sawLooseHtml } = scanner;
  return { cut, parts, sawTextPlain, sawLooseHtml, passed: Buffer.concat(passed).toString('latin1') };
}

const nested = (depth: number): string =>
  depth === 0
    ? 'Content-Type: text/plain\r\n\r\nhello\r\n'
    : `Content-Type: multipart/mixed; boundary="b${depth}"\r\n\r\npreamble\r\n--b${depth}\r\n${nested(depth - 1)}--b${depth}\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b${depth}--\r\n`;

describe('MIME budget pass', () => {
  const budgets: MimeBudget[] = [
    { maxParts: 100, maxMultipartDepth: 10 },
    { maxParts: 4, maxMultipartDepth: 3 },
  ];

  it('counts and passes the same bytes whatever the chunk sizes (every fixture, 1 byte to whole)', () => {
    const files = emlFiles(FIXTURES);
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const message = readFileSync(file);
      for (const budget of budgets) {
        const whole = scan(message, message.length, budget);
        for (const size of [1, 2, 3, 64]) {
          const { passed, ...counts } = scan(message, size, budget);
          const { passed: wholePassed, ...wholeCounts } = whole;
          expect(counts, `${file} in ${size}`).toEqual(wholeCounts);
          // Where the message is cut, the start of the cut line may already have passed in an
          // earlier chunk; the rest is the same.
          if (whole.cut) expect(passed.startsWith(wholePassed), `${file} in ${size}`).toBe(true);
          else expect(passed, `${file} in ${size}`).toBe(wholePassed);
        }
      }
    }
  });

  it('counts the parts of nested multiparts and cuts at the budget, in any chunks', () => {
    const message = Buffer.from(`From: a@example.com\r\nSubject: nested\r\n${nested(5)}`);
    const open = scan(message, message.length, { maxParts: 100, maxMultipartDepth: 10 });
    expect(open).toMatchObject({ cut: null, parts: 10, sawTextPlain: true, sawLooseHtml: true });
    expect(open.passed).toBe(message.toString('latin1'));
    const deep = scan(message, message.length, { maxParts: 100, maxMultipartDepth: 3 });
    expect(deep.cut).toBe('depth');
    expect(scan(message, 1, { maxParts: 100, maxMultipartDepth: 3 }).cut).toBe('depth');
    expect(deep.passed).toBe(
      message
        .toString('latin1')
        .slice(0, message.indexOf('boundary="b2"') - 'Content-Type: multipart/mixed; '.length),
    );
    const many = scan(message, 7, { maxParts: 4, maxMultipartDepth: 10 });
    expect(many).toMatchObject({ cut: 'parts', parts: 5 });
  });

  it('passes a body without parts on untouched, even a line of dashes', () => {
    const message = Buffer.from(
      'From: a@example.com\r\nSubject: x\r\n\r\n--not-a-boundary\r\n-\r\n--\r\nend',
    );
    for (const size of [1, 5, message.length]) {
      expect(scan(message, size, { maxParts: 1, maxMultipartDepth: 1 })).toMatchObject({
        cut: null,
        parts: 0,
        passed: message.toString('latin1'),
      });
    }
  });
});
