/** Salesforce error codes → what a retry can do. */
import { PermanentError, TransientError } from '../../errors.ts';

const TRANSIENT_CODES = new Set([
  'REQUEST_LIMIT_EXCEEDED',
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'SERVER_ERROR',
  'UNKNOWN_EXCEPTION',
  'QUERY_TIMEOUT',
  'TXN_SECURITY_NO_ACCESS',
  'INVALID_SESSION_ID',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

export function isTransientCode(code: string): boolean {
  return TRANSIENT_CODES.has(code) || /^ERROR_HTTP_5\d\d$/.test(code);
}

/** Classifies anything jsforce or fetch throws. */
export function classifySalesforceError(error: unknown, what: string): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const e = error as {
    errorCode?: string;
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: string };
  };
  const code = e.errorCode ?? e.cause?.code ?? e.code ?? e.name ?? 'UNKNOWN';
  const message = (e.message ?? String(error)).split('\n').filter(Boolean).at(-1) ?? 'failed';
  if (
    isTransientCode(code) ||
    NETWORK_CODES.has(code) ||
    /socket hang up|fetch failed|network|timed? ?out/i.test(message)
  ) {
    return new TransientError(code, `${what}: ${message}`, { cause: error });
  }
  return new PermanentError(code, `${what}: ${message}`, { cause: error });
}
