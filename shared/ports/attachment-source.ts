/** Reads attachment content the parse stage stored (S3 in the pipeline). */
export interface AttachmentSource {
  read(storageKey: string): Promise<Buffer>;
}
