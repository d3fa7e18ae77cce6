/** The README lists the rights of the permission set setup creates, row for row as the code grants them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rightsTable } from '#shared/adapters/salesforce/admin/rights.ts';
import { CAPTURE_FIELDS, qualified } from '#shared/adapters/salesforce/capture-fields.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the rights of Capture_Integration', () => {
  it('are listed in the README, one table row each', () => {
    const rows = rightsTable().map((r) => `| ${r.on} | ${r.rights} | ${r.why} | ${r.needs} |`);
    const missing = rows.filter((row) => !readme.includes(row));
    expect(missing).toEqual([]);
  });

  it('include read and edit on every Capture field of Task, Event and EmailMessage', () => {
    const fields = rightsTable()
      .filter((r) => r.rights === 'Read, Edit')
      .map((r) => r.on);
    expect(fields).toEqual(CAPTURE_FIELDS.map(qualified));
    expect(new Set(CAPTURE_FIELDS.map((f) => f.object))).toEqual(new Set(['Task', 'Event', 'EmailMessage']));
  });
});
