/** The whole-process parse figure of the bench: every side runs, and capture parse really parses. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchParseProcess } from '../../bench/parse-process.ts';
import { repo } from '../support/cli.ts';

describe('bench: capture parse as a whole process', () => {
  it('measures capture, bare mailparser, the peer and Node alone, each in fresh processes', async () => {
    const files = ['gmail-forward.eml', 'invites/google-invite.eml'].map((f) =>
      join(repo, 'test/fixtures/parse', f),
    );
    const figures = await benchParseProcess(files, 1);
    expect(figures.files).toBe(2);
    for (const ms of [
      figures.captureMs,
      figures.captureUncachedMs,
      figures.bareMs,
      figures.peerMs,
      figures.nodeMs,
    ])
      expect(ms).toBeGreaterThan(0);
    // Loading and parsing cost more than starting Node alone, on every side.
    expect(Math.min(figures.captureMs, figures.bareMs, figures.peerMs)).toBeGreaterThan(figures.nodeMs);
    expect(figures.ratio).toBeCloseTo(figures.bareMs / figures.captureMs, 2);
    expect(figures.peerRatio).toBeCloseTo(figures.peerMs / figures.captureMs, 2);
  });

  it('fails when a side cannot run, rather than reporting a figure', async () => {
    await expect(benchParseProcess([join(repo, 'no-such-file.eml')], 1)).rejects.toThrow(/exited/);
  });
});
