/**
 * The X-Ray tracer is loaded only where it traces (in Lambda): elsewhere its SDK would hook every
 * promise of the process. Each case imports shared/observability.ts in a fresh Node process.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const module = fileURLToPath(new URL('../../shared/observability.ts', import.meta.url));

function tracerIn(env: Record<string, string>): string {
  const script = `const { tracer, tracedClient } = await import(${JSON.stringify(module)});
const client = {};
console.log(JSON.stringify({ tracer: tracer?.constructor.name ?? null, same: tracedClient(client) === client }));`;
  const { PATH = '' } = process.env;
  return execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { PATH, LOG_LEVEL: 'SILENT', ...env },
    encoding: 'utf8',
  }).trim();
}

describe('tracing', () => {
  it('loads no tracer outside Lambda, and leaves AWS clients as they are', () => {
    expect(JSON.parse(tracerIn({}))).toEqual({ tracer: null, same: true });
  });

  it('traces in Lambda unless POWERTOOLS_TRACE_ENABLED is false', () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'sync', AWS_REGION: 'eu-west-1' };
    expect(JSON.parse(tracerIn(lambda)).tracer).toBe('Tracer');
    expect(JSON.parse(tracerIn({ ...lambda, POWERTOOLS_TRACE_ENABLED: 'false' }))).toEqual({
      tracer: null,
      same: true,
    });
  });
});
