/** Human output only: Salesforce API requests per sync batch against the emulator, by batch size. */
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import {
  captured,
  crmFor,
  MemoryAttachments,
  MIXED_BATCH,
  org,
  setUp,
  startEmulator,
} from '../test/support/salesforce.ts';
import { log, round } from './stats.ts';

export async function benchSyncCurve(sizes: readonly number[]) {
  const emulator = await startEmulator();
  try {
    const crm = crmFor(emulator.url);
    await setUp(crm);
    const files = new MemoryAttachments();
    // One batch first, so the token and the field check are not counted in the first size.
    const warm = await captured({ ...MIXED_BATCH[0]!, messageId: '<curve-warm@acme.example>' }, files);
    await writeToSalesforce({ org, emails: [warm], crm, attachments: files });
    log('salesforce API requests per sync batch (realistic mix: contacts, lead, forwards, orders, a File):');
    for (const size of sizes) {
      const emails = await Promise.all(
        Array.from({ length: size }, (_, i) =>
          captured(
            { ...MIXED_BATCH[i % MIXED_BATCH.length]!, messageId: `<curve-${size}-${i}@acme.example>` },
            files,
          ),
        ),
      );
      const before = emulator.apiRequestCount();
      await writeToSalesforce({ org, emails, crm, attachments: files });
      const calls = emulator.apiRequestCount() - before;
      log(
        `  batch of ${String(size).padStart(3)}: ${String(calls).padStart(3)} requests (${round(calls / size, 2)} per email)`,
      );
    }
  } finally {
    await emulator.close();
  }
}
