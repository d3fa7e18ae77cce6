/**
 * Everything the tests write to the temp folder (their own folders, CDK's cdk.out copies, the
 * processes they start) goes under one folder for the run, removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'capture-tests-'));
  // os.tmpdir() reads TMPDIR on every call; workers and child processes inherit it.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
