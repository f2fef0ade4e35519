import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from '@arasul/service-kit';

/**
 * Sits between the client's request stream and the upstream request: counts bytes and fails as soon as the
 * body passes its limit, so the upstream never receives more than the limit (and never a complete body of
 * an oversized request). Keeps a copy of the first `captureMax` bytes for the audit log, nothing more.
 */
export class BodyMeter extends Transform {
  bytes = 0;
  complete = false;
  private chunks: Buffer[] = [];
  private captured = 0;
  private overflowed = false;

  constructor(
    private readonly limit: number,
    private readonly captureMax: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(new PayloadTooLargeError(`The request body is larger than ${this.limit} bytes.`));
      return;
    }
    if (this.captureMax > 0 && !this.overflowed) {
      if (this.captured + chunk.length > this.captureMax) {
        this.overflowed = true;
        this.chunks = [];
      } else {
        this.chunks.push(chunk);
        this.captured += chunk.length;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.complete = true;
    callback();
  }

  /** The whole body when it was complete and within the capture size; otherwise null. */
  capturedBody(): Buffer | null {
    if (!this.complete || this.overflowed || this.captureMax === 0) return null;
    return Buffer.concat(this.chunks, this.captured);
  }

  get overCapture(): boolean {
    return this.overflowed;
  }
}
