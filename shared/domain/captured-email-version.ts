/** The CapturedEmail version the parse stage writes (captured-email.ts holds its schema). */
export const CAPTURED_EMAIL_SCHEMA_VERSION = 1;
