/**
 * Salesforce's two error shapes. A SalesforceError is one record- or request-level error
 * ({ message, errorCode, fields }); an HttpError carries a ready-made response body for errors
 * whose shape is not a single Salesforce error (e.g. a refused composite request).
 */
export class SalesforceError extends Error {
  readonly errorCode: string;
  readonly fields: string[];
  readonly status: number;
  constructor(errorCode: string, message: string, fields: string[] = [], status = 400) {
    super(message);
    this.errorCode = errorCode;
    this.fields = fields;
    this.status = status;
  }
}

export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** The REST body of a failed request: an array of errors. */
export function errorBody(error: SalesforceError) {
  return [{ message: error.message, errorCode: error.errorCode, fields: error.fields }];
}

/** The per-record error inside an sObject Collections or create result (statusCode, not errorCode). */
export function recordError(error: SalesforceError) {
  return { statusCode: error.errorCode, message: error.message, fields: error.fields };
}

export const notFound = () =>
  new SalesforceError('NOT_FOUND', 'The requested resource does not exist', [], 404);
