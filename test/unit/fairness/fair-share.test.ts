/** The local runner's fair hand-out (local/fair-share.ts), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { FairShare } from '#local/fair-share.ts';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Takes n messages, finishing each after `ms` of work, and returns their names in order. */
function takeAll(fair: FairShare<string>, n: number, ms = 0, time = clock()) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const next = fair.take();
    if (!next) break;
    out.push(next.message);
    time.advance(ms);
    fair.done(next.group, ms);
  }
  return out;
}

describe('FairShare', () => {
  it('hands messages out in the order they came while no group stands out', () => {
    const fair = new FairShare<string>();
    fair.add('a1', 'a');
    fair.add('b1', 'b');
    fair.add('a2', 'a');
    expect(takeAll(fair, 3)).toEqual(['a1', 'b1', 'a2']);
    expect(fair.take()).toBeNull();
  });

  it('serves a quiet group first once another group took most of the recent processing time', () => {
    const time = clock();
    const fair = new FairShare<string>({ now: time.now });
    for (let i = 0; i < 100; i++) fair.add(`noisy${i}`, 'noisy');
    // The noisy group's first 20 messages take all the processing time so far.
    expect(takeAll(fair, 20, 100, time)).toHaveLength(20);
    fair.add('quiet0', 'quiet');
    expect(fair.take()?.message).toBe('quiet0');
    expect(fair.take()?.message).toBe('noisy20');
  });

  it('counts a group with 30 or more messages in flight and over 10% of them as noisy', () => {
    const fair = new FairShare<string>();
    for (let i = 0; i < 40; i++) fair.add(`burst${i}`, 'burst');
    for (let i = 0; i < 30; i++) fair.take(); // 30 in flight, none finished
    fair.add('quiet0', 'quiet');
    expect(fair.take()?.message).toBe('quiet0');
  });

  it('among noisy groups serves the one with the fewest messages in flight', () => {
    const fair = new FairShare<string>();
    for (let i = 0; i < 40; i++) fair.add(`a${i}`, 'a');
    for (let i = 0; i < 40; i++) fair.add(`b${i}`, 'b');
    for (let i = 0; i < 40; i++) fair.take(); // a's 40 come first (they came first)…
    for (let i = 0; i < 35; i++) fair.take(); // …and b's next: both noisy now, a with 40 in flight
    fair.add('a40', 'a');
    expect(fair.take()?.group).toBe('b'); // b has fewer in flight
    for (let i = 0; i < 5; i++) fair.done('b', 0);
  });

  it('forgets processing time as the clock moves on, so a group that went quiet is quiet again', () => {
    const time = clock();
    const fair = new FairShare<string>({ now: time.now, halfLifeMs: 1000 });
    fair.add('x0', 'x');
    fair.add('y0', 'y');
    const x = fair.take();
    const y = fair.take();
    fair.done(x?.group ?? '', 10_000); // x worked a lot
    fair.done(y?.group ?? '', 1_000);
    fair.add('x1', 'x');
    fair.add('y1', 'y');
    expect(fair.take()?.message).toBe('y1'); // x took 91% of the time: noisy; y (9%) first
    time.advance(60_000); // both decayed to nothing
    fair.add('y2', 'y');
    expect(fair.take()?.message).toBe('x1'); // back to arrival order
  });

  it('treats each message without a group as a group of its own, and gives back what waits', () => {
    const fair = new FairShare<string>();
    fair.add('n1', undefined);
    fair.add('n2', undefined);
    expect(fair.size).toBe(2);
    expect(fair.take()?.message).toBe('n1');
    expect(fair.drain()).toEqual(['n2']);
    expect(fair.size).toBe(0);
  });
});
