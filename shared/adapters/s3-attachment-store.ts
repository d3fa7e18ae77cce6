/**
 * Attachments live in the mail bucket under attachments/<org>/<sesMessageId>/<n>: the parse
 * stage streams them there (never holding a large file in memory), the sync stage reads them
 * back to upload as Salesforce Files.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PermanentError, TransientError } from '../errors.ts';
import { mailKeys } from '../ports/mail-store.ts';

export interface StoredAttachmentMeta {
  filename: string | null;
  contentType: string;
}

export class S3AttachmentStore {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  /** A sink for one message's attachments; keys are numbered in the order the parser emits them. */
  sinkFor(orgId: string, sesMessageId: string) {
    let index = 0;
    return {
      put: async (meta: StoredAttachmentMeta, content: Readable): Promise<{ storageKey: string }> => {
        const storageKey = mailKeys.attachment(orgId, sesMessageId, index++);
        try {
          await new Upload({
            client: this.#s3,
            params: {
              Bucket: this.#bucket,
              Key: storageKey,
              Body: content,
              ContentType: meta.contentType,
            },
            queueSize: 2,
          }).done();
        } catch (error) {
          throw new TransientError('S3_ERROR', `storing attachment ${storageKey} failed`, { cause: error });
        }
        return { storageKey };
      },
    };
  }

  async read(storageKey: string): Promise<Buffer> {
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: storageKey }));
      const bytes = await response.Body?.transformToByteArray();
      return Buffer.from(bytes ?? []);
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') {
        throw new PermanentError('NOT_FOUND', `attachment ${storageKey} does not exist`);
      }
      throw new TransientError('S3_ERROR', `reading attachment ${storageKey} failed`, { cause: error });
    }
  }
}
