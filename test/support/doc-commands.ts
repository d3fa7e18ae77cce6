/**
 * Every command the README and docs/ show, and how each is run by the tests. A command is a line
 * of a ```sh block (continuation lines joined), or an inline `code span` that starts like a
 * command (`npm …`, `npx …`, `node …`, `VAR=value npm …`; `capture|cdk|aws|curl …` with a flag).
 * Spans with placeholders (`<…>`, `[…]`, `…`, `a|b`) are synopses, not commands. Each command
 * found must have exactly one entry below and each entry must match a command found
 * (test/unit/doc-commands.test.ts), so a command added to the docs without a test fails the suite.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface DocCommand {
  /** README.md or docs/<name>.md */
  file: string;
  line: number;
  text: string;
  /** `file:line` of the ```sh block it is in; null for an inline span. */
  block: string | null;
}

export type Coverage =
  /** Run as written (ports substituted) by test/integration/first-hour.test.ts against its stack. */
  | {
      kind: 'first-hour';
      /** What its stdout must show. */
      prints: RegExp;
      /** A server that keeps running: wait for this line, then stop it. */
      runsUntil?: RegExp;
      /** Run it once the README's Task is on the local page. */
      afterTask?: boolean;
    }
  /** Starts the local stack: the first-hour test's own `npm start`. */
  | { kind: 'stack' }
  /** Run by the named file, which contains `marker` where it does. */
  | { kind: 'test'; file: string; marker: string }
  /** The test suite itself, or a part of it: the npm script must run vitest on that. */
  | { kind: 'suite'; script: string; runs: string }
  /** Needs an AWS account or a real Salesforce org; `offline` runs its local equivalent. */
  | { kind: 'deploy'; why: string; offline: { file: string; marker: string } | null }
  /** A measurement that takes minutes; `smaller` runs the same script on less, if any. */
  | { kind: 'measure'; why: string; smaller: { file: string; marker: string } | null };

const README_TASK =
  /"Subject":"Email: Your order ORD-10042 ships Monday".*"Name":"Jane Doe".*"What":\{[^}]*\},"Type":"Order","Name":"ORD-10042"\}.*"Email":"alice@acme\.example"/;

/** Every documented command, by its exact text (whitespace collapsed). */
export const COVERAGE: Record<string, Coverage> = {
  'npm ci && npm start': { kind: 'stack' },
  'npm start': { kind: 'stack' },
  'npm ci': { kind: 'test', file: 'scripts/first-hour.sh', marker: 'npm ci --no-audit --no-fund' },
  'npm test': { kind: 'suite', script: 'test', runs: 'vitest run' },
  'npm run test:unit': { kind: 'suite', script: 'test:unit', runs: 'vitest run test/unit' },
  'npm run test:long': { kind: 'suite', script: 'test:long', runs: 'CAPTURE_TEST_TIER=long vitest run' },
  "npx capture send --from alice@acme.example --to jane.doe@globex.example --bcc acme-k7q2m9x4p8w3@capture.localhost --message-id '<order-10042@acme.example>' --subject 'Your order ORD-10042 ships Monday' --body 'Hi Jane, it ships Monday.'":
    {
      kind: 'first-hour',
      prints:
        /Message-ID <order-10042@acme\.example>\n {2}250 .*\n {2}not taken by this server: jane\.doe@globex\.example \(550 /m,
    },
  'TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=local -d client_secret=local http://127.0.0.1:8484/services/oauth2/token | sed \'s/.*"access_token":"\\([^"]*\\)".*/\\1/\')':
    { kind: 'first-hour', prints: /^$/, afterTask: true },
  'curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8484/services/data/v62.0/query?q=SELECT+Subject,Who.Name,What.Type,What.Name,Owner.Email+FROM+Task"':
    { kind: 'first-hour', prints: README_TASK, afterTask: true },
  "AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx capture status --wait 10 '<order-10042@acme.example>'": {
    kind: 'first-hour',
    prints: /^created {2}org acme {2}ses \w+ {2}task 00T\w+ {2}at \S+\n$/,
  },
  "npx capture send --from alice@acme.example --to acme-000000000000@capture.localhost --message-id '<nobody-home@acme.example>' --subject 'Hello?' --body 'Anyone there?'":
    { kind: 'first-hour', prints: /Message-ID <nobody-home@acme\.example>\n {2}250 /m },
  "AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx capture status --wait 10 '<nobody-home@acme.example>'": {
    kind: 'first-hour',
    prints: /^rejected \(unknown-token\) {2}org - {2}ses \w+ {2}at \S+\n$/,
  },
  'npm start -- --help': { kind: 'first-hour', prints: /^usage: npm start \[-- --fresh\]/m },
  'npx capture --help': { kind: 'first-hour', prints: /^Usage: capture \[options\] \[command\]/m },
  'npm run demo': {
    kind: 'first-hour',
    prints: /Tasks in Salesforce[\s\S]*Events in Salesforce[\s\S]*EmailMessages in Salesforce/,
  },
  'npm run emulator -- --port 0 --seed local/demo/seed.json': {
    kind: 'first-hour',
    prints: /salesforce emulator: http:\/\/127\.0\.0\.1:\d+ \(client id\/secret: local\/local[;)]/,
    runsUntil: /salesforce emulator: http/,
  },
  'npm start -- --fresh': {
    kind: 'test',
    file: 'test/integration/local-state.test.ts',
    marker: "start(['--fresh'])",
  },
  'CAPTURE_TEST_VERDICTS=1 npm start': {
    kind: 'test',
    file: 'test/integration/start-test-verdicts.test.ts',
    marker: "CAPTURE_TEST_VERDICTS: '1'",
  },
  'npx capture org add acme --domain acme.com --forward --capture-domain capture.acme.com': {
    kind: 'test',
    file: 'test/infra/deploy-steps.test.ts',
    marker: 'deployStep(1)',
  },
  'npx cdk synth': { kind: 'test', file: 'test/infra/synth.test.ts', marker: 'cdkSynth(' },
  'npx cdk bootstrap': {
    kind: 'deploy',
    why: 'creates the CDK toolkit stack in an AWS account; nothing of Capture to check offline',
    offline: null,
  },
  'npx cdk deploy -c captureDomain=capture.acme.com -c orgsFile=orgs.json -c hostedZoneId=Z0123456789ABCDEFGHIJ -c hostedZoneName=acme.com':
    {
      kind: 'deploy',
      why: 'needs an AWS account',
      offline: { file: 'test/infra/deploy-steps.test.ts', marker: 'deployStep(4)' },
    },
  'aws secretsmanager put-secret-value --secret-id capture/salesforce/acme --secret-string \'{"authFlow":"jwt-bearer","loginUrl":"https://login.salesforce.com","clientId":"…","username":"integration@acme.com","privateKey":"-----BEGIN PRIVATE KEY-----\\n…"}\'':
    {
      kind: 'deploy',
      why: 'needs the deployed secret',
      offline: { file: 'test/infra/deploy-steps.test.ts', marker: 'deployStep(5)' },
    },
  'npx capture salesforce check': {
    kind: 'deploy',
    why: 'needs a Salesforce org',
    offline: { file: 'test/integration/salesforce-cli.test.ts', marker: "['salesforce', 'check']" },
  },
  'npx capture replay --dlq --stack Capture': {
    kind: 'deploy',
    why: 'needs a deployed stack',
    offline: { file: 'test/integration/operations-cli.test.ts', marker: "'--stack'" },
  },
  'npx capture replay --unresolved': {
    kind: 'deploy',
    why: 'needs a stack with unresolved mail',
    offline: { file: 'test/integration/operations-cli.test.ts', marker: "['replay', '--unresolved'" },
  },
  'npm run bench': {
    kind: 'measure',
    why: 'about four minutes; figures quoted in docs/benchmarks.md',
    smaller: { file: 'test/unit/bench-cost.test.ts', marker: 'costPerMillion(' },
  },
  'npm run bench -- --fairness': {
    kind: 'measure',
    why: 'about two and a half minutes: three local stacks, one with a 1,500-mail burst; quoted in docs/fairness.md',
    smaller: { file: 'test/integration/fairness.test.ts', marker: 'latencyMsByClient' },
  },
  'BENCH_E2E_EMAILS=500 npm run bench -- --quick': {
    kind: 'measure',
    why: 'about two minutes; the batching table in docs/benchmarks.md',
    smaller: null,
  },
  'npm run soak -- --poison 0.05': {
    kind: 'measure',
    why: 'minutes with 300 emails; the poisoned kinds, once each, are the smaller run',
    smaller: { file: 'test/integration/soak.test.ts', marker: "'--poison'" },
  },
  'npm run soak -- --emails 2000 --fault-rate 0.3': {
    kind: 'measure',
    why: 'about two minutes; figures quoted in the README and docs/local-stack.md',
    smaller: { file: 'test/integration/soak.test.ts', marker: "'bench/soak.ts'" },
  },
};

const SHELL_FENCE = /^\s*```(sh|bash|shell)\s*$/;
const FENCE = /^\s*```/;
const INLINE_COMMAND = /^(?:[A-Z][A-Z0-9_]*=\S+\s+)*(?:npm|npx|node)\s/;
const INLINE_TOOL = /^(?:capture|cdk|aws|curl)\s.*\s--?[a-z]/;
const PLACEHOLDER = /[<[…|]/;

/** The documents: README.md and every docs/*.md. */
export function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(repo, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

/** `a \` + `b` → `a b`; a trailing `# comment` after two spaces dropped; whitespace collapsed. */
function normalise(text: string): string {
  return text
    .replace(/\s{2,}#\s.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function shellLines(lines: string[], first: number, file: string): DocCommand[] {
  const block = `${file}:${first}`;
  const commands: DocCommand[] = [];
  let pending = '';
  let start = first;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = first + i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    commands.push({ file, line: start, text: normalise(pending + line), block });
    pending = '';
  });
  return commands;
}

function inlineCommands(line: string, number: number, file: string): DocCommand[] {
  const found: DocCommand[] = [];
  for (const match of line.matchAll(/`([^`]+)`/g)) {
    const text = normalise(match[1] ?? '');
    if (PLACEHOLDER.test(text)) continue;
    if (INLINE_COMMAND.test(text) || INLINE_TOOL.test(text))
      found.push({ file, line: number, text, block: null });
  }
  return found;
}

/** Every command in one document, in order. */
export function commandsIn(file: string, text = readFileSync(join(repo, file), 'utf8')): DocCommand[] {
  const lines = text.split('\n');
  const commands: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (FENCE.test(line)) {
      const shell = SHELL_FENCE.test(line);
      const end = lines.findIndex((l, j) => j > i && FENCE.test(l));
      const body = lines.slice(i + 1, end === -1 ? lines.length : end);
      if (shell) commands.push(...shellLines(body, i + 1, file));
      i = end === -1 ? lines.length : end;
      continue;
    }
    commands.push(...inlineCommands(line, i + 1, file));
  }
  return commands;
}

export function docCommands(): DocCommand[] {
  return docFiles().flatMap((file) => commandsIn(file));
}
