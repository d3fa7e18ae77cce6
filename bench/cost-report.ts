/**
 * The bench's `cost` figure: the cost pass (cost-pass.ts) priced by cost.ts, with a human summary
 * of where the money goes, what a million emails a day costs per day and month, and how the
 * figure moves with message size.
 */
import { pipeline } from '#shared/config/pipeline.ts';
import { type CostMeasurement, type CostResult, costPerMillion, MODEL, PRICES } from './cost.ts';
import { measureCost } from './cost-pass.ts';
import { log, round } from './stats.ts';

const memory = { parseMB: pipeline.functions.parse.memoryMB, syncMB: pipeline.functions.sync.memoryMB };

/** The same pass with every raw message `extraBytes` larger (attachments, HTML signatures). */
function withLargerMail(m: CostMeasurement, extraBytes: number): CostMeasurement {
  return { ...m, rawBytes: m.rawBytes.map((b) => b + extraBytes) };
}

function perEmail(m: CostMeasurement) {
  const total = (who: keyof CostMeasurement['awsRequests']) =>
    Object.values(m.awsRequests[who]).reduce((a, b) => a + b, 0) / m.emails;
  return `AWS requests per email: parse ${round(total('parse'), 2)}, sync ${round(total('sync'), 2)}, SES and event sources ${round(total('outside'), 2)}`;
}

export async function benchCost(): Promise<CostResult> {
  const m = await measureCost();
  const cost = costPerMillion(m, memory);
  const perDay = cost.usdPerMillion.total! * (MODEL.referenceEmailsPerDay / 1_000_000);
  log(
    `cost per million emails (${PRICES.region} list prices of ${PRICES.asOf}; fixed charges spread over ${MODEL.referenceEmailsPerDay.toLocaleString('en-US')} emails a day):`,
  );
  for (const [service, usd] of Object.entries(cost.usdPerMillion)) log(`  ${service.padEnd(15)} $${usd}`);
  log(`  ${perEmail(m)}`);
  log(
    `  one million emails a day: $${round(perDay, 2)} a day, $${round(perDay * MODEL.daysPerMonth)} a month; ` +
      `Salesforce: ${cost.salesforceCallsPerMillion.toLocaleString('en-US')} API requests per million emails`,
  );
  const averageKB = m.rawBytes.reduce((a, b) => a + b, 0) / m.rawBytes.length / 1024;
  const larger = costPerMillion(withLargerMail(m, 100 * 1024), memory).usdPerMillion.total!;
  log(
    `  the mix averages ${round(averageKB, 1)} KB per message; 100 KB more per message: $${larger} per million`,
  );
  return cost;
}
