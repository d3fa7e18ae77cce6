/**
 * The bench's cost arithmetic (bench/cost.ts) on known inputs: each service's dollars per million
 * emails worked out by hand from the price table, so a wrong unit (per 1,000 vs per million,
 * bytes vs GB, MB vs GB of memory) shows.
 */
import { describe, expect, it } from 'vitest';
import {
  type CostMeasurement,
  costPerMillion,
  lambdaSeconds,
  MODEL,
  monthlyFixed,
  PRICES,
} from '../../bench/cost.ts';

const KIB = 1024;

function measurement(overrides: Partial<CostMeasurement> = {}): CostMeasurement {
  return {
    emails: 1000,
    awsRequests: { parse: {}, sync: {}, outside: {} },
    rawBytes: [],
    retainedBytes: 0,
    outcomeBytes: 0,
    invocations: { parse: { count: 0, seconds: 0 }, sync: { count: 0, seconds: 0 } },
    cpuSeconds: 0,
    logBytes: 0,
    salesforceRequests: 0,
    salesforceBytes: 0,
    orgs: 0,
    ...overrides,
  };
}

const oneVcpu = { parseMB: 1769, syncMB: 1769 };

describe('cost per million emails', () => {
  it('prices SES receiving per email and per started 256 KB chunk', () => {
    // 999 mails of exactly one chunk and one a byte over: 1,001 chunks for 1,000 mails.
    const raw = [...Array.from({ length: 999 }, () => 256 * KIB), 256 * KIB + 1];
    const { usdPerMillion } = costPerMillion(measurement({ rawBytes: raw }), oneVcpu);
    // (1,000 × $0.10 + 1,001 × $0.09) / 1,000 emails, × 1,000,000 emails
    expect(usdPerMillion.sesReceiving).toBeCloseTo(190.09, 4);
  });

  it('prices S3 writes and reads apart, deletes free; SQS per request with one per SNS delivery; SNS per publish', () => {
    const { usdPerMillion } = costPerMillion(
      measurement({
        awsRequests: {
          parse: { 'S3.GetObject': 1000, 'SQS.SendMessageBatch': 100 },
          sync: { 'S3.PutObject': 3000, 'S3.DeleteObject': 10 },
          outside: {
            'S3.PutObject': 1000,
            'SNS.Publish': 1000,
            'SQS.ReceiveMessage': 500,
            'SQS.DeleteMessageBatch': 200,
          },
        },
      }),
      oneVcpu,
    );
    // 4,000 PUTs × $0.005/1,000 + 1,000 GETs × $0.0004/1,000 = $0.0204 per 1,000 emails
    expect(usdPerMillion.s3Requests).toBeCloseTo(20.4, 4);
    // 100 + 500 + 200 + 1,000 deliveries = 1,800 × $0.40/million
    expect(usdPerMillion.sqs).toBeCloseTo(0.72, 4);
    expect(usdPerMillion.sns).toBeCloseTo(0.5, 4);
  });

  it('prices Lambda from CPU time at the vCPU share of the memory, plus modelled round trips', () => {
    const m = measurement({
      invocations: { parse: { count: 100, seconds: 30 }, sync: { count: 40, seconds: 10 } },
      cpuSeconds: 10,
      salesforceRequests: 40,
    });
    // CPU split 3:1 by wall time; one vCPU at 1,769 MB; 40 Salesforce requests × 0.25 s.
    expect(lambdaSeconds(m, 'parse', 1769)).toBeCloseTo(7.5, 9);
    expect(lambdaSeconds(m, 'sync', 1769)).toBeCloseTo(2.5 + 10, 9);
    // Half the memory, half the vCPU: the CPU part takes twice as long.
    expect(lambdaSeconds(m, 'parse', 1769 / 2)).toBeCloseTo(15, 9);
    const { usdPerMillion, salesforceCallsPerMillion } = costPerMillion(m, oneVcpu);
    // 20 s × 1,769/1,024 GB × $0.0000133334 + 140 invocations × $0.20/million, per 1,000 emails
    const perThousand = 20 * (1769 / 1024) * 0.0000133334 + 140 * 0.2e-6;
    expect(usdPerMillion.lambda).toBeCloseTo(perThousand * 1000, 3);
    expect(salesforceCallsPerMillion).toBe(40_000);
  });

  it('adds an S3 request’s round trip to the function that made it', () => {
    const m = measurement({
      awsRequests: { parse: { 'S3.GetObject': 10 }, sync: {}, outside: { 'S3.PutObject': 5 } },
    });
    expect(lambdaSeconds(m, 'parse', 1024)).toBeCloseTo(10 * MODEL.awsRoundTripSeconds, 9);
    expect(lambdaSeconds(m, 'sync', 1024)).toBe(0);
  });

  it('prices storage by how long each prefix is kept, and the access log of every billed request', () => {
    const stored = costPerMillion(
      measurement({ rawBytes: Array.from({ length: 1000 }, () => 1e6), outcomeBytes: 1e9 }),
      oneVcpu,
    );
    // 1 GB raw for 30 days and 1 GB of outcomes for 400 days, at $0.023 per GB-month of 30.4 days
    const expected = (0.023 * (30 / 30.4) + 0.023 * (400 / 30.4)) * 1000;
    expect(stored.usdPerMillion.s3Storage).toBeCloseTo(expected, 3);

    const logged = costPerMillion(
      measurement({ awsRequests: { parse: {}, sync: {}, outside: { 'S3.PutObject': 1000 } } }),
      oneVcpu,
    );
    // 1,000 requests × 400 bytes kept 365 days
    expect(logged.usdPerMillion.s3Storage).toBeCloseTo(0.023 * (400_000 / 1e9) * (365 / 30.4) * 1000, 3);
  });

  it('spreads monthly charges over a million emails a day', () => {
    const fixed = monthlyFixed(2);
    // 2 secrets, read by 2 sync instances every 5 minutes for 30.4 days
    const reads = 2 * 2 * ((30.4 * 24 * 3600) / 300);
    expect(fixed.secretsManager).toBeCloseTo(2 * 0.4 + reads * 0.000005, 9);
    expect(fixed.cloudWatch).toBeCloseTo(4 * 0.1 + 3 + 7 * 0.3, 9);
    const { usdPerMillion } = costPerMillion(measurement({ orgs: 2 }), oneVcpu);
    expect(usdPerMillion.secretsManager).toBeCloseTo(fixed.secretsManager / 30.4, 4);
    expect(usdPerMillion.kms).toBeCloseTo(fixed.kms / 30.4, 4);
  });

  it('prices log ingestion with Lambda’s own lines, and data sent to Salesforce with request overhead', () => {
    const { usdPerMillion } = costPerMillion(
      measurement({
        logBytes: 1e6,
        invocations: { parse: { count: 10, seconds: 0 }, sync: { count: 0, seconds: 0 } },
        salesforceRequests: 100,
        salesforceBytes: 850_000,
      }),
      oneVcpu,
    );
    const logBytes = 1e6 + 10 * (350 + 600);
    const logs = (logBytes / 1e9) * 0.5 + (logBytes / 1e9) * (30 / 30.4) * 0.03;
    const fixedCloudWatch = (4 * 0.1 + 3 + 7 * 0.3) / 30.4;
    expect(usdPerMillion.cloudWatch).toBeCloseTo(logs * 1000 + fixedCloudWatch, 4);
    // 850 KB of records + 100 × 1,500 bytes of overhead = 1 MB at $0.09 per GB
    expect(usdPerMillion.dataTransfer).toBeCloseTo((1e6 / 1e9) * 0.09 * 1000, 3);
  });

  it('sums every service into the total and says which prices it used', () => {
    const result = costPerMillion(
      measurement({ rawBytes: Array.from({ length: 1000 }, () => 4 * KIB), orgs: 1, cpuSeconds: 1 }),
      { parseMB: 1024, syncMB: 512 },
    );
    const { total, ...services } = result.usdPerMillion;
    expect(Object.keys(services)).toEqual([
      'sesReceiving',
      's3Requests',
      's3Storage',
      'sqs',
      'sns',
      'lambda',
      'secretsManager',
      'cloudWatch',
      'kms',
      'dataTransfer',
    ]);
    const sum = Object.values(services).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(sum, 1);
    expect(result.pricesAsOf).toBe(PRICES.asOf);
    expect(() => costPerMillion(measurement({ emails: 0 }), oneVcpu)).toThrow(/no emails/);
  });
});
