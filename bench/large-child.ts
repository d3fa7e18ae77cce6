/**
 * One side of the large-message figure in a fresh process, so peak RSS is the parse's own: the
 * message arrives on stdin as a stream (as from S3) and is parsed by `ours` or `bare`. Prints
 * {cpuMs, wallMs, peakRssMB, startRssMB}.
 */
import { simpleParser } from 'mailparser';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { discardSink } from './parse.ts';
import { BARE_OPTIONS } from './peer.ts';

const side = process.argv[2];
const startRss = process.memoryUsage().rss;
const wall = performance.now();
const cpu = process.cpuUsage();
if (side === 'ours') await parseEmail(process.stdin, { attachmentSink: discardSink });
else if (side === 'bare') await simpleParser(process.stdin, BARE_OPTIONS);
else throw new Error(`unknown side ${side}`);
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    cpuMs: (used.user + used.system) / 1000,
    wallMs: performance.now() - wall,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    startRssMB: startRss / 1024 / 1024,
  }),
);
