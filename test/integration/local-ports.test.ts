/**
 * A port another program holds: startLocalStack stops with a PortInUseError naming the server and
 * the port (npm start turns it into one line naming the variable; the first-hour test checks that
 * line), and closes whatever it had already started: the data directory's lock is released and
 * the stack can start again at once.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataPaths, PortInUseError, startLocalStack } from '#local/stack.ts';

const held: Server[] = [];
afterAll(() => Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve)))));

async function busyPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

describe('a port in use', () => {
  it('names the server and port, and closes what had started', { timeout: 120_000 }, async () => {
    process.env.LOG_LEVEL = 'ERROR';
    const dataDir = mkdtempSync(join(tmpdir(), 'capture-ports-'));
    const cases = [
      { service: 'salesforce', ports: { sfPort: await busyPort(), smtpPort: 0, awsPort: 0 } },
      // The SMTP stand-in starts last: fauxqs, the emulator and both runners are running by then.
      { service: 'smtp', ports: { smtpPort: await busyPort(), sfPort: 0, awsPort: 0 } },
    ] as const;
    for (const { service, ports } of cases) {
      const error = await startLocalStack({ ...ports, dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect(error).toMatchObject({ service, code: 'PORT_IN_USE' });
      expect((error as PortInUseError).port).toBe(Object.values(ports).find((p) => p !== 0));
      expect(existsSync(dataPaths(dataDir).lock)).toBe(false);
    }
    const stack = await startLocalStack({ smtpPort: 0, sfPort: 0, awsPort: 0, dataDir });
    await stack.stop();
  });
});
