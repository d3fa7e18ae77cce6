/**
 * OrgLeases on S3 conditional writes, in the mail bucket the sync function already uses: slot n
 * of org X is the object `leases/X/n`. Taking a free slot is `PutObject If-None-Match: *`; a slot
 * whose lease lapsed (its holder died) is taken over with `If-Match: <etag>`, so of two takers only
 * one wins; releasing is `DeleteObject If-Match: <etag>`, which leaves a slot alone once another
 * holder has it. Each acquire starts at a random slot, so takers spread over the slots.
 */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { pipeline } from '../config/pipeline.ts';
import type { OrgLease, OrgLeases } from '../ports/org-leases.ts';
import { deleteIf, putIf, readWithEtag } from './s3-conditional.ts';

export interface S3OrgLeasesOptions {
  /** How long an unreleased lease holds its slot (default pipeline.fairness.leaseSeconds). */
  leaseMs?: number;
  now?: () => number;
  random?: () => number;
}

export class S3OrgLeases implements OrgLeases {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(s3: S3Client, bucket: string, options: S3OrgLeasesOptions = {}) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#leaseMs = options.leaseMs ?? pipeline.fairness.leaseSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  async acquire(orgId: string, limit: number): Promise<OrgLease | null> {
    const first = Math.floor(this.#random() * limit);
    for (let i = 0; i < limit; i++) {
      const key = `${pipeline.keys.leases}${orgId}/${(first + i) % limit}`;
      const etag = await this.#take(key);
      if (etag !== null) return { release: () => deleteIf(this.#s3, this.#bucket, key, etag).then(() => {}) };
    }
    return null;
  }

  /** The slot's new ETag when this caller now holds it, else null. */
  async #take(key: string): Promise<string | null> {
    const body = JSON.stringify({ holder: randomUUID(), expiresAt: this.#now() + this.#leaseMs });
    const fresh = await putIf(this.#s3, this.#bucket, key, body, { IfNoneMatch: '*' });
    if (fresh !== null) return fresh;
    const current = await readWithEtag(this.#s3, this.#bucket, key);
    if (!current) return putIf(this.#s3, this.#bucket, key, body, { IfNoneMatch: '*' });
    if (expiresAt(current.body) > this.#now()) return null;
    return putIf(this.#s3, this.#bucket, key, body, { IfMatch: current.etag });
  }
}

/** A lease's expiry; an unreadable lease counts as lapsed, so a slot is never stuck. */
function expiresAt(body: string): number {
  try {
    const value = (JSON.parse(body) as { expiresAt?: unknown }).expiresAt;
    return typeof value === 'number' ? value : 0;
  } catch {
    return 0;
  }
}
