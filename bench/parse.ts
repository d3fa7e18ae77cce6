/**
 * The parse stage against bare mailparser, in CPU time, runs alternated. The bare side is
 * `simpleParser` with the MailParser options the parse stage sets, so both decode the same parts
 * and produce the fields the pipeline uses (headers, addresses, text incl. HTML-only mail as text,
 * attachments read and hashed). Ours streams attachments to a sink that discards them, as the
 * pipeline streams them to S3.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import type { AttachmentSink } from '#shared/ports/attachment-sink.ts';
import { ofSize, textOfSize, withAttachments } from './messages.ts';
import { bare, peer } from './peer.ts';
import { alternate, log, median, round, spread } from './stats.ts';

/** Reads each file to its end and drops it, as an upload reads it; the upload's own cost is not the parse's. */
export const discardSink: AttachmentSink = {
  put: async (_meta, content) => {
    content.resume();
    await finished(content);
    return { storageKey: 'discarded' };
  },
};

export const ours = (m: Buffer) => parseEmail(m, { attachmentSink: discardSink }).catch(() => null);

export { BARE_OPTIONS, bare, peer } from './peer.ts';
export function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return corpusFiles(path);
    return /^(LICENSE|SOURCE_COMMIT|README\.md)$/.test(name) || /\.(ts|json|txt|md)$/.test(name)
      ? []
      : [path];
  });
}

const each = (messages: Buffer[], fn: (m: Buffer) => Promise<unknown>) => async () => {
  for (const m of messages) await fn(m);
};

/**
 * msgs/s of each side over the corpus, from the median CPU time of `rounds` alternated runs. A
 * small corpus is repeated within a round (to about 2 MB) so that one round is not all noise.
 */
export async function benchCorpus(dir: string, rounds: number) {
  const files = corpusFiles(dir).map((f) => readFileSync(f));
  if (files.length === 0) throw new Error(`no messages under ${dir}`);
  const bytes = files.reduce((n, m) => n + m.length, 0);
  const repeat = Math.max(1, Math.ceil((2 * 1024 * 1024) / bytes));
  const messages = Array.from({ length: repeat }, () => files).flat();
  const t = await alternate(rounds, each(messages, ours), each(messages, bare));
  const ratios = t.a.map((a, i) => t.b[i]! / a);
  log(
    `parse: ${files.length} messages (× ${repeat} a round) × ${rounds} rounds, CPU ms per round: ours ${spread(t.a)}, bare ${spread(t.b)}; ratio ${spread(ratios, 3)}`,
  );
  // The same-work peer, alternated with ours in rounds of its own.
  const p = await alternate(rounds, each(messages, ours), each(messages, peer));
  const peerRatios = p.a.map((a, i) => p.b[i]! / a);
  log(
    `parse vs the same-work peer, CPU ms per round: ours ${spread(p.a)}, peer ${spread(p.b)}; ratio ${spread(peerRatios, 3)}`,
  );
  const perSec = (ms: number[]) => messages.length / (median(ms) / 1000);
  return {
    msgsPerSec: round(perSec(t.a)),
    bareMailparserMsgsPerSec: round(perSec(t.b)),
    ratio: round(perSec(t.a) / perSec(t.b), 3),
    peerRatio: round(median(peerRatios), 3),
  };
}

/** CPU ms per message for each side, repeating small messages so a round is not all noise. */
async function perMessage(message: Buffer, rounds: number) {
  const repeat = Math.max(1, Math.floor((512 * 1024) / message.length));
  const batch = Array.from({ length: repeat }, () => message);
  const t = await alternate(rounds, each(batch, ours), each(batch, bare));
  return { ours: median(t.a) / repeat, bare: median(t.b) / repeat };
}

const SIZES = [1e3, 1e4, 1e5, 1e6, 1e7, 38e6];
const sizeLabel = (n: number) => (n >= 1e6 ? `${n / 1e6} MB` : `${n / 1e3} KB`);

/** Human output only: parse CPU time against message size and attachment count. */
export async function benchCurves(quick: boolean) {
  const rows: string[] = [];
  const line = (label: string, r: { ours: number; bare: number }) =>
    `  ${label.padEnd(28)} ours ${round(r.ours, 2).toString().padStart(9)} ms   bare ${round(r.bare, 2).toString().padStart(9)} ms   ratio ${round(r.bare / r.ours, 2)}`;
  log('parse CPU time per message vs size (attachments / plain text body):');
  for (const size of SIZES) {
    const rounds = quick ? 1 : size >= 1e7 ? 3 : 7;
    rows.push(line(`${sizeLabel(size)} with attachments`, await perMessage(ofSize(size), rounds)));
    log(rows.at(-1)!);
    if (size <= 1e7) {
      rows.push(line(`${sizeLabel(size)} text body`, await perMessage(textOfSize(size), rounds)));
      log(rows.at(-1)!);
    }
  }
  log('parse CPU time per message vs attachment count (10 KB each):');
  for (const count of [0, 1, 5, 20, 100]) {
    rows.push(line(`${count} attachments`, await perMessage(withAttachments(count, 10_000), quick ? 1 : 7)));
    log(rows.at(-1)!);
  }
  return rows;
}
