/**
 * The order in which the local runner hands out waiting messages, modelled on SQS fair queues
 * (docs/fairness.md). Messages carry a group (the MessageGroupId; on the sync queue, the org); a
 * message without one is a group of its own. A group is *noisy* when it holds more than 10% of
 * the messages in flight and at least 30 of them, or when it took more than 10% of the recent
 * processing time. Quiet groups' messages go first, oldest first; noisy groups' messages go when
 * no quiet message waits, the noisy group with the fewest messages in flight first. Nothing is
 * dropped or held back when it is the only work there is.
 *
 * "Recent" processing time decays exponentially (half of it is forgotten every `halfLifeMs`), so
 * a group that stops being busy turns quiet again, as SQS's does once its backlog is gone.
 */

export interface FairShareOptions {
  now?: () => number;
  /** How fast recent processing time is forgotten. Default 30 s. */
  halfLifeMs?: number;
}

/** SQS's thresholds for a noisy group (approximate in SQS, exact here). */
const CONCURRENCY_SHARE = 0.1;
const MIN_IN_FLIGHT = 30;
const TIME_SHARE = 0.1;
/** Recent processing time below this is no one's burden (a group long idle is quiet). */
const MIN_RECENT_MS = 100;
/** Group keys of messages sent without a group. */
const LONER = '\u0000';

interface Group<M> {
  /** Waiting messages with their arrival order. */
  waiting: { message: M; seq: number }[];
  inFlight: number;
  /** Decayed processing time, as of `updated`. */
  time: number;
  updated: number;
}

export class FairShare<M> {
  readonly #groups = new Map<string, Group<M>>();
  readonly #now: () => number;
  readonly #halfLifeMs: number;
  #waiting = 0;
  #seq = 0;
  /** Messages without a group: each its own. */
  #loners = 0;

  constructor(options: FairShareOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#halfLifeMs = options.halfLifeMs ?? 30_000;
  }

  /** Messages waiting to be handed out. */
  get size(): number {
    return this.#waiting;
  }

  /** A message that can be handed out, after the ones already waiting in its group. */
  add(message: M, group: string | undefined): void {
    const key = group ?? `${LONER}${this.#loners++}`;
    this.#group(key).waiting.push({ message, seq: this.#seq++ });
    this.#waiting++;
  }

  /** The next message to hand out and its group (now in flight), or null when none waits. */
  take(): { message: M; group: string } | null {
    const candidates = [...this.#groups].filter(([, g]) => g.waiting.length > 0);
    if (candidates.length === 0) return null;
    const noisy = this.#noisy();
    const quiet = candidates.filter(([key]) => !noisy.has(key));
    const head = ([, g]: [string, Group<M>]) => g.waiting[0]?.seq ?? Number.POSITIVE_INFINITY;
    // Quiet groups in the queue's own order (oldest message first); noisy ones fewest in flight first.
    const [key, group] =
      quiet.length > 0 ? minBy(quiet, head) : minBy(candidates, (c) => c[1].inFlight * 2 ** 40 + head(c));
    const first = group.waiting.shift();
    if (!first) return null;
    this.#waiting--;
    group.inFlight++;
    return { message: first.message, group: key };
  }

  /** A handed-out message is finished (deleted or given back) after `processingMs` of work. */
  done(group: string, processingMs: number): void {
    const g = this.#groups.get(group);
    if (!g) return;
    g.inFlight = Math.max(0, g.inFlight - 1);
    this.#decay(g);
    g.time += Math.max(0, processingMs);
    if (group.startsWith(LONER) && g.inFlight === 0 && g.waiting.length === 0) this.#groups.delete(group);
  }

  /** Removes waiting messages (stop): they stay in the queue for the next consumer. */
  drain(): M[] {
    const all = [...this.#groups.values()].flatMap((g) => g.waiting.splice(0).map((w) => w.message));
    this.#waiting = 0;
    return all;
  }

  /** The groups SQS would call noisy now. */
  #noisy(): Set<string> {
    const groups = [...this.#groups];
    for (const [, g] of groups) this.#decay(g);
    const inFlight = groups.reduce((n, [, g]) => n + g.inFlight, 0);
    const time = groups.reduce((n, [, g]) => n + g.time, 0);
    return new Set(
      groups
        .filter(
          ([, g]) =>
            (g.inFlight >= MIN_IN_FLIGHT && g.inFlight > CONCURRENCY_SHARE * inFlight) ||
            (g.time >= MIN_RECENT_MS && g.time > TIME_SHARE * time),
        )
        .map(([key]) => key),
    );
  }

  #group(key: string): Group<M> {
    let g = this.#groups.get(key);
    if (!g) {
      g = { waiting: [], inFlight: 0, time: 0, updated: this.#now() };
      this.#groups.set(key, g);
    }
    return g;
  }

  #decay(g: Group<M>): void {
    const now = this.#now();
    if (now > g.updated) g.time *= 0.5 ** ((now - g.updated) / this.#halfLifeMs);
    g.updated = now;
  }
}

function minBy<T>(items: readonly T[], score: (item: T) => number): T {
  let best = items[0] as T;
  for (const item of items) if (score(item) < score(best)) best = item;
  return best;
}
