/**
 * Request-level conditions that end a call before it reaches a resource: fault injection for
 * tests (5xx, REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID, UNABLE_TO_LOCK_ROW, dropped
 * connections, latency) and the org's daily API request limit, reported in every response's
 * Sforce-Limit-Info header (api-usage=used/max) and refused with 403 REQUEST_LIMIT_EXCEEDED once
 * used up. Salesforce counts the requests of the last 24 hours (a rolling window, "API Request
 * Limits and Allocations"), so requests older than a day stop counting.
 */
import { HttpError } from './errors.ts';

export type FaultCode =
  | 'SERVER_ERROR'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INVALID_SESSION_ID'
  | 'UNABLE_TO_LOCK_ROW'
  | 'DROP_CONNECTION';

export interface FaultConfig {
  rates?: Partial<Record<FaultCode, number>>;
  /** Added before every API request is answered. */
  latencyMs?: number;
  /**
   * Latency for the requests of one credential (the connected app's client id the session was
   * issued to), in place of latencyMs: one slow org among several sharing the emulator.
   */
  latencyMsByClient?: Record<string, number>;
  /** Seed of the deterministic random generator deciding which requests fail. */
  seed?: number;
  /** Only requests with this method and a path (below /services/data/vNN.0) matching this fail. */
  only?: { method?: string; path?: RegExp };
}

/** A small seeded PRNG, so a failing run can be repeated with the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  config: FaultConfig = {};
  injected = 0;
  #random = mulberry32(1);

  set(config: FaultConfig): void {
    this.config = config;
    this.#random = mulberry32(config.seed ?? 1);
  }

  /** Decides this request's fault (counted), or null. */
  pick(method: string, path: string): FaultCode | null {
    const only = this.config.only;
    if (only?.method && only.method.toUpperCase() !== method.toUpperCase()) return null;
    if (only?.path && !only.path.test(path)) return null;
    for (const [code, rate] of Object.entries(this.config.rates ?? {}) as [FaultCode, number][]) {
      if (rate > 0 && this.#random() < rate) {
        this.injected++;
        return code;
      }
    }
    return null;
  }

  /** Waits the latency set for this request's credential (or for every request). */
  async delay(clientId: string | null): Promise<void> {
    const byClient = clientId === null ? undefined : this.config.latencyMsByClient?.[clientId];
    const ms = byClient ?? this.config.latencyMs;
    if (ms) await new Promise((r) => setTimeout(r, ms));
  }
}

export const sessionInvalid = (headers: Record<string, string>) =>
  new HttpError(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], headers);

export const requestLimit = (headers: Record<string, string>) =>
  new HttpError(
    403,
    [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
    headers,
  );

export const serverUnavailable = (headers: Record<string, string>) =>
  new HttpError(
    503,
    [{ message: 'Server is temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }],
    headers,
  );

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/** Daily API requests: every API call counts, as on Salesforce, over the last 24 hours. */
export class ApiUsage {
  /** Every request since the emulator started (for tests and the bench). */
  count = 0;
  readonly limit: number;
  readonly #now: () => number;
  /** Requests per minute of the last 24 hours, oldest first, and their sum. */
  #minutes: { minute: number; requests: number }[] = [];
  #used = 0;

  constructor(limit: number, now: () => number = Date.now) {
    this.limit = limit;
    this.#now = now;
  }

  record(): void {
    this.count++;
    const minute = Math.floor(this.#now() / MINUTE);
    const last = this.#minutes.at(-1);
    if (last?.minute === minute) last.requests++;
    else this.#minutes.push({ minute, requests: 1 });
    this.#used++;
  }

  /** Requests in the last 24 hours. */
  used(): number {
    const oldest = Math.floor(this.#now() / MINUTE) - DAY_MINUTES;
    while (this.#minutes.length > 0 && (this.#minutes[0]?.minute ?? 0) <= oldest)
      this.#used -= this.#minutes.shift()?.requests ?? 0;
    return this.#used;
  }

  reset(): void {
    this.count = 0;
    this.#minutes = [];
    this.#used = 0;
  }

  header(): Record<string, string> {
    return { 'sforce-limit-info': `api-usage=${this.used()}/${this.limit}` };
  }

  get exceeded(): boolean {
    return this.used() > this.limit;
  }
}
