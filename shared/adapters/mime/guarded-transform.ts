/**
 * A stream stage whose own work may throw on hostile input. Whatever `readChunk` or `endInput` throws
 * becomes the stream's error, which ends the read of that one message: thrown out of a Transform
 * it would escape the upstream stream's 'data' event and end the process, with every message in
 * it.
 */
import { Transform, type TransformCallback } from 'node:stream';

export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(`non-error thrown: ${String(thrown).slice(0, 200)}`);
}

export abstract class GuardedTransform extends Transform {
  /** Reads one chunk; returns what passes on (nothing: undefined). */
  protected abstract readChunk(chunk: Buffer): Buffer | undefined;

  /** At the end of the input, before the stream ends. */
  protected endInput(): void {}

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let out: Buffer | undefined;
    try {
      out = this.readChunk(chunk);
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback(null, out);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.endInput();
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback();
  }
}
