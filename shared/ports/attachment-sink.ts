import type { Readable } from 'node:stream';

/** Where the parse core streams attachment content (S3 in the pipeline). */
export interface AttachmentSink {
  put(
    meta: { index: number; filename: string | null; contentType: string },
    content: Readable,
  ): Promise<{ storageKey: string }>;
}
