/**
 * X-Ray subsegments as the daemon receives them. In Lambda the X-Ray SDK streams each subsegment,
 * once closed, as a UDP datagram (`{"format":"json","version":1}` and a line of JSON) to
 * AWS_XRAY_DAEMON_ADDRESS, under the facade segment the trace header `_X_AMZN_TRACE_ID` names.
 * Each case runs shared/observability.ts in a fresh Node process (the tracer is loaded at import)
 * with Lambda's environment, the daemon a UDP socket of the test and S3 an HTTP server of the test.
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const module = fileURLToPath(new URL('../../shared/observability.ts', import.meta.url));

const traceId = '1-5759e988-bd862e3fe1be46a994272793';
const facadeId = '53995c3f42cd8ad8';

/** What a record's work does in Lambda: Salesforce calls through its port, S3 calls through its client. */
const script = `const { traced, tracedClient, tracedPort, tracer } = await import(${JSON.stringify(module)});
const { HeadObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
const salesforce = tracedPort(
  { lookup: async () => 1, upsertTasks: async () => { throw new Error('refused'); } },
  'Salesforce',
  { orgId: 'acme' },
);
const s3 = tracedClient(new S3Client({
  region: process.env.AWS_REGION,
  endpoint: process.env.S3_ENDPOINT,
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  forcePathStyle: true,
}));
const done = await traced('## record', async (annotate) => {
  annotate('sesMessageId', 'm-1');
  const found = await salesforce.lookup('jane@example.com');
  const refused = await salesforce.upsertTasks([]).then(() => null, (error) => error.message);
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'mail', Key: 'raw/m-1' }));
  const missing = await s3
    .send(new HeadObjectCommand({ Bucket: 'mail', Key: 'raw/gone' }))
    .then(() => null, (error) => error.name);
  return { found, refused, status: head.$metadata.httpStatusCode, missing };
});
console.log(JSON.stringify({ tracer: tracer?.constructor.name ?? null, ...done }));`;

interface Subsegment {
  type: string;
  name: string;
  id: string;
  trace_id: string;
  parent_id: string;
  namespace?: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string; region?: string };
  http?: { response?: { status?: number } };
  fault?: boolean;
  error?: boolean;
  in_progress?: boolean;
  cause?: { exceptions: { message: string; type?: string; remote?: boolean }[] };
}

let daemon: Socket;
let s3: Server;
/** Every datagram the daemon got, and the headers of every request S3 got. */
const datagrams: string[] = [];
const s3Requests: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => datagrams.push(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  s3 = createServer((request, response) => {
    s3Requests.push({ method: request.method, url: request.url, headers: request.headers });
    request.resume();
    const found = request.url === '/mail/raw/m-1';
    response.writeHead(found ? 200 : 404, {
      'x-amz-request-id': found ? 'req-1' : 'req-2',
      ...(found ? { 'content-length': '5', etag: '"abc"' } : {}),
    });
    response.end();
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  daemon.close();
  await new Promise((resolve) => s3.close(resolve));
});

beforeEach(() => {
  datagrams.length = 0;
  s3Requests.length = 0;
});

/** Runs the record in Lambda's environment (plus `env`); what the process printed and the daemon got. */
async function runInLambda(env: Record<string, string> = {}) {
  const { PATH = '' } = process.env;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', script],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH,
        LOG_LEVEL: 'SILENT',
        // What the Lambda runtime sets for a function with active tracing.
        AWS_LAMBDA_FUNCTION_NAME: 'parse',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        LAMBDA_TASK_ROOT: root,
        AWS_REGION: 'eu-west-1',
        _X_AMZN_TRACE_ID: `Root=${traceId};Parent=${facadeId};Sampled=1`,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
        S3_ENDPOINT: `http://127.0.0.1:${(s3.address() as AddressInfo).port}`,
        ...env,
      },
    },
  );
  // The process sent every datagram before it exited: give the socket a moment to read them.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const printed = JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
  const subsegments = datagrams.map((datagram) => {
    const [header, body] = datagram.split('\n');
    expect(JSON.parse(header ?? '')).toEqual({ format: 'json', version: 1 });
    return JSON.parse(body ?? '') as Subsegment;
  });
  return { printed, subsegments };
}

function only(subsegments: Subsegment[], name: string): Subsegment {
  const named = subsegments.filter((s) => s.name === name);
  expect(named.map((s) => s.name)).toEqual([name]);
  return named[0] as Subsegment;
}

describe('X-Ray subsegments sent to the daemon', () => {
  it('sends the record as a subsegment annotated with its id, each Salesforce and S3 call a subsegment of it, a refused call with its error', async () => {
    const { printed, subsegments } = await runInLambda();
    expect(printed).toEqual({
      tracer: 'Tracer',
      found: 1,
      refused: 'refused',
      status: 200,
      missing: 'NotFound',
    });

    // The record and the four calls in it, each complete (none still in progress), of Lambda's trace.
    expect(subsegments.map((s) => s.name).sort()).toEqual([
      '## record',
      'S3',
      'S3',
      'Salesforce.lookup',
      'Salesforce.upsertTasks',
    ]);
    for (const subsegment of subsegments) {
      expect(subsegment).toMatchObject({ type: 'subsegment', trace_id: traceId });
      expect(subsegment.in_progress).toBeUndefined();
    }

    const record = only(subsegments, '## record');
    expect(record.parent_id).toBe(facadeId);
    expect(record.annotations).toEqual({ sesMessageId: 'm-1' });
    expect(record.fault).toBeUndefined();

    const lookup = only(subsegments, 'Salesforce.lookup');
    expect(lookup).toMatchObject({ parent_id: record.id, annotations: { orgId: 'acme' } });
    expect(lookup.fault).toBeUndefined();
    expect(lookup.cause).toBeUndefined();

    const upsert = only(subsegments, 'Salesforce.upsertTasks');
    expect(upsert).toMatchObject({ parent_id: record.id, annotations: { orgId: 'acme' }, fault: true });
    expect(upsert.cause?.exceptions).toEqual([
      expect.objectContaining({ message: 'refused', type: 'Error' }),
    ]);

    const calls = subsegments.filter((s) => s.name === 'S3');
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call).toMatchObject({
        parent_id: record.id,
        namespace: 'aws',
        aws: { operation: 'HeadObject', region: 'eu-west-1' },
      });
    }
    const [found, missing] = calls.sort(
      (a, b) => (a.http?.response?.status ?? 0) - (b.http?.response?.status ?? 0),
    );
    expect(found).toMatchObject({ http: { response: { status: 200 } } });
    expect(found?.error).toBeUndefined();
    expect(missing).toMatchObject({ http: { response: { status: 404 } }, error: true });
    expect(missing?.cause?.exceptions).toEqual([expect.objectContaining({ type: 'NotFound', remote: true })]);

    // S3 got the trace header naming each call's subsegment, so its side joins the same trace.
    expect(s3Requests.map((r) => r.url)).toEqual(['/mail/raw/m-1', '/mail/raw/gone']);
    expect(s3Requests.map((r) => r.headers['x-amzn-trace-id']).sort()).toEqual(
      calls.map((call) => `Root=${traceId};Parent=${call.id};Sampled=1`).sort(),
    );
  });

  it('sends no subsegment when POWERTOOLS_TRACE_ENABLED is false, and the record runs all the same', async () => {
    const { printed, subsegments } = await runInLambda({ POWERTOOLS_TRACE_ENABLED: 'false' });
    expect(printed).toEqual({ tracer: null, found: 1, refused: 'refused', status: 200, missing: 'NotFound' });
    expect(s3Requests).toHaveLength(2);
    // Only the header the AWS SDK passes on from Lambda itself (the function's segment), none naming a subsegment.
    expect(s3Requests.map((r) => r.headers['x-amzn-trace-id'])).toEqual([
      `Root=${traceId};Parent=${facadeId};Sampled=1`,
      `Root=${traceId};Parent=${facadeId};Sampled=1`,
    ]);
    expect(subsegments).toEqual([]);
  });
});
