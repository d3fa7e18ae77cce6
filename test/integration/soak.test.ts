/**
 * `npm run soak` as a process, small. One run sends each hostile kind once, at full size, and
 * every kind must end as its own outcome. The other breaks the promise on purpose (--sabotage):
 * the sync stage drops one mail unworked, dead-letters a copy of another after making its Task,
 * dead-letters a third without a reason, and the stack ignores test verdicts so the forged rep
 * becomes a Task. Counting emails − Tasks − DLQ entries would call that run clean; the soak
 * counts each Message-ID on its own and must say exactly 3 lost and 1 unexpected ending, and fail,
 * while a mail whose raw object vanished ends as the parse stage's DLQ entry with its reason.
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../support/cli.ts';

const soak = (args: string[]) => runScript('bench/soak.ts', args, { env: { LOG_LEVEL: 'SILENT' } });

const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** Each hostile kind and the one ending it must have. */
const EXPECTED_ENDINGS = [
  'forged-rep → quarantined',
  'order-padding → task',
  'deep-html → task',
  'many-parts → task',
  'huge-subject → task',
  'huge-to → task',
  'bulk-forward → rejected',
  'list-forward → rejected',
  'capture-subdomain → rejected',
  'auto-reply → rejected',
  'stranger → unmatched',
];

describe.concurrent('npm run soak', () => {
  it('ends every hostile kind, at full size, as its own expected outcome', async () => {
    const run = await soak(['--emails', '11', '--hostile-every', '1', '--fault-rate', '0']);
    expect(lastLine(run.stdout)).toEqual({
      emails: 11,
      tasks: 5,
      dlq: 0,
      lost: 0,
      duplicates: 0,
      faultsInjected: 0,
    });
    for (const ending of EXPECTED_ENDINGS) expect(run.stderr).toContain(`  ${ending}: 1\n`);
    expect(run.stderr).toContain('0 lost, 0 duplicates, 0 unexpected endings');
    expect(run.code).toBe(0);
  }, 60_000);

  it('counts every Message-ID on its own: no ending, two endings or a DLQ entry without a reason are lost', async () => {
    // Seed 4 plans mail 4's raw object to vanish: the parse stage's own DLQ entry must carry its reason.
    const run = await soak(['--emails', '6', '--fault-rate', '0.5', '--seed', '4', '--sabotage']);
    const last = lastLine(run.stdout);
    expect(Object.keys(last)).toEqual(['emails', 'tasks', 'dlq', 'lost', 'duplicates', 'faultsInjected']);
    expect(last).toMatchObject({ emails: 6, lost: 3, duplicates: 0 });
    expect(last.faultsInjected).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/soak-0@\S+ \(plain\): 0 Tasks, 0 DLQ entries/);
    expect(run.stderr).toMatch(/soak-1@\S+ \(plain\): 1 Tasks, [1-9]\d* DLQ entries \(0 without a reason\)/);
    expect(run.stderr).toMatch(
      /soak-2@\S+ \(plain\): 0 Tasks, ([1-9]\d*) DLQ entries \(\1 without a reason\)/,
    );
    // The forged rep got through: one ending, the wrong one.
    expect(run.stderr).toMatch(/soak-3@\S+ \(forged-rep\): 1 Tasks, .*ended task, expected quarantined/);
    expect(run.stderr).toContain('1 unexpected endings');
    expect(run.stderr).toContain('  plain → dlq: 1\n');
    expect(run.stderr).toContain('DLQ reason: NOT_FOUND: s3://capture-mail/raw/… does not exist (1)');
    // Faults of single emails fired, not only faults of whole requests.
    expect(run.stderr).toMatch(/per email \{"[a-z-]+":[1-9]/);
    expect(run.code).toBe(1);
  }, 60_000);
});

// After the two above, not beside them: three soaks at once crowd two cores.
describe('npm run soak -- --poison', () => {
  it('ends every poisoned kind once, as its kind must, and says so on its last line', async () => {
    const run = await soak([
      '--emails',
      '9',
      '--poison',
      '1',
      '--hostile-every',
      '1000',
      '--fault-rate',
      '0',
    ]);
    expect(lastLine(run.stdout)).toEqual({
      emails: 9,
      tasks: 5,
      dlq: 0,
      lost: 0,
      duplicates: 0,
      faultsInjected: 0,
      poisoned: 9,
      poisonOutcomes: 9,
    });
    for (const ending of [
      'inherited-charset → task',
      'inherited-token → rejected',
      'inherited-target → task',
      'lone-surrogate → task',
      'escape-subject → task',
      'date-1601 → task',
      'duration-billions → event',
      'vtimezone-expansion → event',
      'private-invite → excluded',
    ])
      expect(run.stderr).toContain(`  ${ending}: 1\n`);
    expect(run.code).toBe(0);
  }, 60_000);
});
