/** Per-org write slots on S3 conditional writes (shared/adapters/s3-org-leases.ts), on a fake clock. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3OrgLeases } from '#shared/adapters/s3-org-leases.ts';

/** An S3 that keeps objects in memory and answers conditions as S3 does (412, 404). */
function memoryS3() {
  const objects = new Map<string, { body: string; etag: string }>();
  let version = 0;
  const fail = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
  const send = async (command: unknown) => {
    if (command instanceof PutObjectCommand) {
      const { Key, Body, IfNoneMatch, IfMatch } = command.input;
      const current = objects.get(String(Key));
      if (IfNoneMatch === '*' && current) throw fail('PreconditionFailed', 412);
      if (IfMatch !== undefined && current?.etag !== IfMatch) throw fail('PreconditionFailed', 412);
      const etag = `"${++version}"`;
      objects.set(String(Key), { body: String(Body), etag });
      return { ETag: etag };
    }
    if (command instanceof GetObjectCommand) {
      const current = objects.get(String(command.input.Key));
      if (!current) throw fail('NoSuchKey', 404);
      return { ETag: current.etag, Body: { transformToString: async () => current.body } };
    }
    if (command instanceof DeleteObjectCommand) {
      const current = objects.get(String(command.input.Key));
      if (!current) throw fail('NoSuchKey', 404);
      if (command.input.IfMatch !== undefined && current.etag !== command.input.IfMatch)
        throw fail('PreconditionFailed', 412);
      objects.delete(String(command.input.Key));
      return {};
    }
    throw new Error('unexpected command');
  };
  return { s3: { send } as unknown as S3Client, objects };
}

function leases(now: () => number) {
  const store = memoryS3();
  return { store, leases: new S3OrgLeases(store.s3, 'bucket', { leaseMs: 60_000, now, random: () => 0 }) };
}

describe('S3OrgLeases', () => {
  it('hands out at most `limit` slots of an org at once, and each org has its own', async () => {
    const { leases: l } = leases(() => 0);
    const first = await l.acquire('acme', 2);
    const second = await l.acquire('acme', 2);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await l.acquire('acme', 2)).toBeNull();
    expect(await l.acquire('globex', 2)).not.toBeNull();
    await first?.release();
    expect(await l.acquire('acme', 2)).not.toBeNull();
  });

  it('takes over a slot whose holder never released it once the lease lapsed', async () => {
    let now = 0;
    const { leases: l } = leases(() => now);
    expect(await l.acquire('acme', 1)).not.toBeNull(); // its invocation dies holding it
    now = 59_999;
    expect(await l.acquire('acme', 1)).toBeNull();
    now = 60_000;
    expect(await l.acquire('acme', 1)).not.toBeNull();
  });

  it('leaves a slot alone on release once another holder took it over', async () => {
    let now = 0;
    const { leases: l, store } = leases(() => now);
    const stale = await l.acquire('acme', 1);
    now = 60_000;
    const fresh = await l.acquire('acme', 1);
    await stale?.release(); // too late: the slot is the new holder's
    expect(store.objects.has('leases/acme/0')).toBe(true);
    expect(await l.acquire('acme', 1)).toBeNull();
    await fresh?.release();
    expect(store.objects.has('leases/acme/0')).toBe(false);
  });

  it('lets only one of two racing takers have a free slot', async () => {
    const { leases: l } = leases(() => 0);
    const taken = await Promise.all([l.acquire('acme', 1), l.acquire('acme', 1), l.acquire('acme', 1)]);
    expect(taken.filter((t) => t !== null)).toHaveLength(1);
  });
});
