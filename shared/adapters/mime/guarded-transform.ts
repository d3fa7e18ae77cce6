/**
 * The stages before mailparser (header repair, the MIME budget) read chunks and pass on bytes,
 * and their own work may throw on hostile input. On a stream a stage runs inside a
 * GuardedTransform: whatever it throws becomes the stream's error, which ends the read of that one
 * message (thrown out of a Transform it would escape the upstream stream's 'data' event and end
 * the process, with every message in it). Bytes already in memory go through the stages by plain
 * calls, under a try, with no stream built per stage.
 */
import { Transform, type TransformCallback } from 'node:stream';

export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(`non-error thrown: ${String(thrown).slice(0, 200)}`);
}

/** Where a stage hands the bytes that pass on. */
export type Pass = (bytes: Buffer) => void;

export interface ChunkStage {
  /** Reads one chunk, handing what passes on to `pass` (nothing, the chunk, or other bytes). */
  read(chunk: Buffer, pass: Pass): void;
  /** At the end of the input. */
  end(pass: Pass): void;
}

export class GuardedTransform extends Transform {
  readonly #stage: ChunkStage;
  readonly #pass: Pass = (bytes) => {
    this.push(bytes);
  };

  constructor(stage: ChunkStage) {
    super();
    this.#stage = stage;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#stage.read(chunk, this.#pass);
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#stage.end(this.#pass);
    } catch (error) {
      callback(asError(error));
      return;
    }
    callback();
  }
}
