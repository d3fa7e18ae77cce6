/** Shared set-up for the emulator's conformance tests: an emulator, a jsforce connection, helpers. */
import type { Connection } from '@jsforce/jsforce-node';
import { expect } from 'vitest';
import { type SalesforceEmulatorOptions, startSalesforceEmulator } from '#local/salesforce/server.ts';
import { demoSeed, jsforceFor } from '../../support/salesforce.ts';

export async function emulatorWith(options: SalesforceEmulatorOptions = {}) {
  const emulator = await startSalesforceEmulator({ seed: structuredClone(demoSeed), ...options });
  const conn = await jsforceFor(emulator.url);
  const id = async (soql: string) => (await conn.query<{ Id: string }>(soql)).records[0]!.Id;
  return { emulator, conn, id };
}

export async function expectError(promise: PromiseLike<unknown>, errorCode: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${errorCode}`).toMatchObject({ errorCode });
  return error as { errorCode: string; message: string };
}

/** POSTs `body` as JSON (a string is sent as it is: JSON made beforehand). */
export function post<T>(conn: Connection, url: string, body: unknown) {
  return conn.request<T>({
    method: 'POST',
    url,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

export interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string | null }[];
}

export const V = '/services/data/v62.0';
