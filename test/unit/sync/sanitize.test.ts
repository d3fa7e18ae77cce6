/** Names and text from mail made safe before they reach Salesforce. */
import { describe, expect, it } from 'vitest';
import { fileNames, multiLine, safeFilename, singleLine } from '#shared/domain/sync/sanitize.ts';
import { decide } from '#shared/domain/sync/task-mapping.ts';
import { email, emptyResult, makeOrg } from './support.ts';

const org = makeOrg();
const world = () => ({
  ...emptyResult(),
  users: [{ id: '005000000000001AAA', email: 'alice@acme.example', isActive: true }],
  contacts: [{ id: '003000000000001AAA', email: 'jane@globex.example', accountId: null, lastModified: null }],
});

describe('sanitised writes', () => {
  it('keeps only the last path segment of a filename, without control characters or leading dots', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('..\\..\\Windows\\system.ini')).toBe('system.ini');
    expect(safeFilename('C:\\Users\\a\\quote.pdf')).toBe('quote.pdf');
    expect(safeFilename('in\u0000voice\r\n.pdf')).toBe('in voice .pdf');
    expect(safeFilename('.hidden')).toBe('hidden');
    expect(safeFilename('../')).toBe('attachment');
    expect(safeFilename('evil\u202efdp.exe')).toBe('evilfdp.exe');
    expect(safeFilename(null)).toBe('attachment');
    expect(fileNames('/tmp/../report.final.xlsx')).toEqual({
      title: 'report.final',
      pathOnClient: 'report.final.xlsx',
    });
  });

  it('removes NUL and control characters; multi-line text keeps \\n and \\t', () => {
    expect(singleLine('Re:\u0000 hello\r\nBcc: x\u0007')).toBe('Re: hello Bcc: x');
    expect(multiLine('a\r\nb\rc\u0000d\te\u001b[31m\u0085')).toBe('a\nb\ncd\te');
  });

  it('writes Subject and Description free of control characters', () => {
    const [d] = decide(
      org,
      [
        email({
          subject: 'Order\u0000 4711\r\nBcc: evil@x.example',
          text: 'Line 1\r\nLine\u0000 2\tcol\u0008',
        }),
      ],
      world(),
      { orderNumbersField: true, today: () => '2026-11-20T00:00:00Z' },
    );
    if (d?.kind !== 'create') throw new Error(`expected a Task, got ${d?.kind}`);
    expect(d.task.Subject).toBe('Email: Order 4711 Bcc: evil@x.example');
    expect(d.task.Description).toContain('Subject: Order 4711 Bcc: evil@x.example\n');
    expect(d.task.Description).toContain('Line 1\nLine 2\tcol');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(d.task.Description).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
