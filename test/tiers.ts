/**
 * The slow tier: whole-process and whole-corpus runs (npm start killed mid-stream, the mailbox and
 * soak runs, the real `cdk synth` with bundling, cfn-lint, the first-hour walk through the docs,
 * the command-line tests that start a process per command).
 * `npm test` leaves them out to stay quick; `npm run test:long` runs them, and CI runs both.
 */
export const LONG_TESTS = [
  'test/integration/local-state.test.ts',
  'test/integration/mailbox.test.ts',
  'test/integration/soak.test.ts',
  'test/integration/first-hour.test.ts',
  'test/infra/deploy-steps.test.ts',
  'test/infra/cfn-lint.test.ts',
  'test/infra/synth.test.ts',
  'test/infra/charsets-bundle.test.ts',
  'test/infra/bundling.test.ts',
  'test/infra/app-config.test.ts',
  // Command-line runs: each command a process, as a user types it.
  'test/integration/operations-cli.test.ts',
  'test/integration/org-cli.test.ts',
  'test/integration/parse-cli.test.ts',
  'test/integration/salesforce-cli.test.ts',
  'test/integration/enhanced-email-setup.test.ts',
  'test/integration/start-test-verdicts.test.ts',
  'test/integration/salesforce-fresh-org.test.ts',
  // The bench's whole-process parse figure: five processes per round.
  'test/unit/bench-parse-process.test.ts',
];
