import { Transform } from 'node:stream';
import {
  brotliDecompress,
  constants,
  createBrotliDecompress,
  createInflate,
  createInflateRaw,
  createUnzip,
  inflate,
  inflateRaw,
  unzip,
  type ZlibOptions,
} from 'node:zlib';

/** The `content-encoding`s decoded, as axios's Node adapter decodes them (`compress` is its alias for gzip). */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** What `accept-encoding` asks for when decompression is on and the caller asked for nothing. */
export const acceptedCodings = 'gzip, deflate, br';

// axios's options: a body whose compressed stream ends without its trailer still decodes, as it does there.
const lenient: ZlibOptions = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
const lenientBrotli = { flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH };

/** The coding of a `content-encoding` header this transport decodes, or `undefined` to leave the body as it came. */
export function contentCoding(header: string | readonly string[] | undefined): ContentCoding | undefined {
  if (typeof header !== 'string') return undefined;
  switch (header.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    default:
      return undefined;
  }
}

/**
 * Decodes a whole body off the event loop (zlib's thread pool). `maxBytes` bounds the decoded size: past
 * it zlib stops with `ERR_BUFFER_TOO_LARGE` rather than inflate a bomb into memory.
 */
export function decodeBody(body: Buffer, coding: ContentCoding, maxBytes: number): Promise<Buffer> {
  const limit = Number.isFinite(maxBytes) ? { maxOutputLength: Math.max(1, maxBytes) } : undefined;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, decoded: Buffer): void => (error === null ? resolve(decoded) : reject(error));
    if (coding === 'br') brotliDecompress(body, { ...lenientBrotli, ...limit }, done);
    else if (coding === 'gzip') unzip(body, { ...lenient, ...limit }, done);
    else if (hasZlibHeader(body)) inflate(body, { ...lenient, ...limit }, done);
    else inflateRaw(body, { ...lenient, ...limit }, done);
  });
}

/** A stream that decodes a body as it arrives. */
export function decodingStream(coding: ContentCoding): Transform {
  if (coding === 'br') return createBrotliDecompress(lenientBrotli);
  if (coding === 'gzip') return createUnzip(lenient);
  return deflateStream();
}

/**
 * `deflate` as servers send it: zlib-wrapped, as RFC 9110 says, or raw, as some do; the first bytes
 * tell which.
 */
function deflateStream(): Transform {
  let inner: Transform | undefined;
  const outer: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (inner === undefined) {
        inner = hasZlibHeader(chunk) ? createInflate(lenient) : createInflateRaw(lenient);
        inner.on('data', (decoded: Buffer) => outer.push(decoded));
        inner.once('error', (error) => outer.destroy(error));
      }
      inner.write(chunk, () => callback());
    },
    flush(callback) {
      if (inner === undefined) return callback();
      inner.once('end', () => callback());
      inner.end();
    },
  });
  return outer;
}

/** A zlib header: compression method 8 in the low nibble, and the two bytes a multiple of 31 (RFC 1950). */
function hasZlibHeader(bytes: Buffer): boolean {
  if (bytes.length < 2) return true;
  const first = bytes[0] as number;
  return (first & 0x0f) === 8 && ((first << 8) | (bytes[1] as number)) % 31 === 0;
}
