/**
 * The local stack's status page, served at the Salesforce emulator's root: the Tasks created and
 * each message's outcome, newest first. Plain HTML, no build step, refreshes itself.
 */
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import type { OutboxMessage } from './outbox.ts';

export interface PageData {
  captureAddresses: string[];
  tasks: Record<string, unknown>[];
  outcomes: OutcomeRecord[];
  names: (id: unknown) => string;
  /** Mail Capture sent (notices, digests), newest first; each links to its .eml. */
  outbox?: OutboxMessage[];
  /** Where the outbox folder is, for the user who wants the files. */
  outboxDir?: string;
}

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function renderPage(data: PageData): string {
  const outcomes = [...data.outcomes].sort((a, b) => b.at.localeCompare(a.at));
  const tasks = [...data.tasks].sort((a, b) =>
    String(b.CreatedDate ?? '').localeCompare(String(a.CreatedDate ?? '')),
  );
  const taskRows = tasks
    .map(
      (t) => `<tr><td><code>${escapeHtml(t.Id)}</code></td><td>${escapeHtml(t.Subject)}</td>
<td>${escapeHtml(data.names(t.OwnerId))}</td><td>${escapeHtml(data.names(t.WhoId))}</td>
<td>${escapeHtml(data.names(t.WhatId))}</td><td>${escapeHtml(t.ActivityDate)}</td>
<td>${escapeHtml(t.TaskSubtype)} / ${escapeHtml(t.Status)}</td></tr>`,
    )
    .join('\n');
  const outcomeRows = outcomes
    .map(
      (
        o,
      ) => `<tr class="${escapeHtml(o.outcome)}"><td>${escapeHtml(o.at)}</td><td><b>${escapeHtml(o.outcome)}</b></td>
<td>${escapeHtml(o.reason ?? '')}</td><td>${escapeHtml(o.orgId ?? '')}</td><td>${escapeHtml(o.subject ?? '')}</td>
<td><code>${escapeHtml(o.messageId ?? '')}</code></td><td><code>${escapeHtml(o.taskId ?? '')}</code></td></tr>`,
    )
    .join('\n');
  const outbox = data.outbox ?? [];
  const outboxRows = outbox
    .map(
      (m) => `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.subject)}</td>
<td><code>${escapeHtml(m.replyTo)}</code></td><td><a href="/outbox/${encodeURIComponent(m.file)}">${escapeHtml(m.file)}</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capture — local stack</title>
<meta http-equiv="refresh" content="5">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
tr.created td:nth-child(2){color:#1a7f37} tr.failed td:nth-child(2),tr.rejected td:nth-child(2),
tr.quarantined td:nth-child(2){color:#b42318} code{font-size:12px}
</style></head><body>
<h1>Capture — local stack</h1>
<p>Send mail to ${data.captureAddresses.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')}. This page refreshes every 5 seconds.</p>
<h2>Tasks (${tasks.length})</h2>
<table><thead><tr><th>Id</th><th>Subject</th><th>Owner</th><th>Who</th><th>What</th><th>Date</th><th>Type</th></tr></thead>
<tbody>${taskRows || '<tr><td colspan="7">No Tasks yet.</td></tr>'}</tbody></table>
<h2>Outbox (${outbox.length})</h2>
<p>Notices and digests Capture sent${data.outboxDir ? `, kept in <code>${escapeHtml(data.outboxDir)}</code>` : ''}. Reply to a notice by sending mail to its Reply-To address through the local SMTP port.</p>
<table><thead><tr><th>At</th><th>To</th><th>Subject</th><th>Reply-To</th><th>Message</th></tr></thead>
<tbody>${outboxRows || '<tr><td colspan="5">Nothing sent yet.</td></tr>'}</tbody></table>
<h2>Outcomes (${outcomes.length})</h2>
<table><thead><tr><th>At</th><th>Outcome</th><th>Reason</th><th>Org</th><th>Subject</th><th>Message-ID</th><th>Task</th></tr></thead>
<tbody>${outcomeRows || '<tr><td colspan="7">No messages yet.</td></tr>'}</tbody></table>
</body></html>`;
}
