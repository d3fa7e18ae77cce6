/**
 * The local servers belong to this machine: fauxqs, the Salesforce emulator and its page listen
 * on loopback and answer only requests for localhost (a web page rebinding its name to 127.0.0.1
 * gets 421); the data directory's lock is never taken from a live owner.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalAws } from '#local/aws.ts';
import { currentOwner } from '#local/data-lock.ts';
import { bindingTo } from '#local/loopback.ts';
import { startSalesforceEmulator } from '#local/salesforce/server.ts';
import { dataPaths, lockDataDir } from '#local/stack.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** GET `path` from a server on this machine with the given Host header: the status code. */
function statusFor(url: string, path: string, host: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP servers answer only requests for this machine', () => {
  it('the Salesforce emulator and the page on it', async () => {
    const emulator = await startSalesforceEmulator({
      extraRoutes: (req, res) => {
        if (req.url !== '/') return false;
        res.end('page');
        return true;
      },
    });
    try {
      const port = new URL(emulator.url).port;
      expect(new URL(emulator.url).hostname).toBe('127.0.0.1');
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        `capture.localhost:${port}`,
      ]) {
        expect(await statusFor(emulator.url, '/services/data', host), host).toBe(200);
        expect(await statusFor(emulator.url, '/', host), host).toBe(200);
      }
      for (const host of [
        `attacker.example:${port}`,
        'attacker.example',
        `localhost.attacker.example:${port}`,
      ]) {
        expect(await statusFor(emulator.url, '/services/data', host), host).toBe(421);
        expect(await statusFor(emulator.url, '/', host), host).toBe(421);
      }
    } finally {
      await emulator.close();
    }
  });

  it('fauxqs (S3, SNS, SQS) listens on loopback, not every interface, and checks Host too', async () => {
    const aws = await startLocalAws();
    try {
      expect(new URL(aws.endpoint).hostname).toBe('127.0.0.1');
      const port = new URL(aws.endpoint).port;
      expect(await statusFor(aws.endpoint, '/', `attacker.example:${port}`)).toBe(421);
      expect(await statusFor(aws.endpoint, `/${aws.resources.bucket}`, `127.0.0.1:${port}`)).not.toBe(421);
    } finally {
      await aws.close();
    }
  });

  it('a server that asks for every interface gets loopback', async () => {
    const server = createServer();
    const { servers } = await bindingTo(
      '127.0.0.1',
      () => new Promise<void>((resolve) => server.listen({ port: 0, host: '0.0.0.0' }, resolve)),
    );
    expect(servers).toEqual([server]);
    expect((server.address() as { address: string }).address).toBe('127.0.0.1');
    server.close();
  });
});

describe("the data directory's lock", () => {
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-lock-'));
    dirs.push(dir);
    return dir;
  };
  const write = (dir: string, owner: unknown) =>
    writeFileSync(dataPaths(dir).lock, typeof owner === 'string' ? owner : JSON.stringify(owner));

  it('is refused while a live process holds it, and taken once that process is gone', async () => {
    const dir = fresh();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      write(dir, currentOwner(child.pid));
      expect(() => lockDataDir(dir)).toThrow(`data directory ${dir} is in use by process ${child.pid}`);
    } finally {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use by this process already/);
    release();
    lockDataDir(dir)();
  });

  it('is taken from a dead owner whose pid now belongs to another process', () => {
    const dir = fresh();
    // The parent of this process is alive, but started at another time than the lock says.
    write(dir, { ...currentOwner(process.ppid), started: '1' });
    const release = lockDataDir(dir);
    release();
  });

  it('with no readable owner: left alone while it may be being written, taken when old', () => {
    const dir = fresh();
    write(dir, '');
    expect(() => lockDataDir(dir)).toThrow(/in use by a process starting now/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(dataPaths(dir).lock, old, old);
    lockDataDir(dir)();
  });
});
