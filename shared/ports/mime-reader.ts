/**
 * The MIME reader port: bytes in (shared/adapters/mime/parse-email.ts), a MimeReading out. The
 * reading itself is the domain's type (shared/domain/parse/mime-reading.ts), which the parse
 * rules turn into a CapturedEmail.
 */
export type { MimeReading } from '../domain/parse/mime-reading.ts';
