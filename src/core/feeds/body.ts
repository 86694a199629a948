import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { FeedError } from './errors.js';

function decompressor(
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  const e = encoding?.trim().toLowerCase();
  if (!e || e === 'identity') return undefined;
  if (e === 'gzip' || e === 'x-gzip') return zlib.createGunzip();
  if (e === 'deflate') return zlib.createInflate();
  if (e === 'br') return zlib.createBrotliDecompress();
  throw new FeedError('decompress', `unsupported content-encoding '${encoding}'`);
}

/** Read at most maxBytes of (decompressed) body; past that, stop reading and drop the connection. */
export async function readCapped(
  body: Readable,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  let unzip: ReturnType<typeof decompressor>;
  try {
    unzip = decompressor(encoding);
  } catch (err) {
    body.destroy();
    throw err;
  }
  const chunks: Buffer[] = [];
  let raw = 0;
  let total = 0;
  const tooLarge = () => new FeedError('too-large', `body larger than the ${formatBytes(maxBytes)} cap`);
  if (unzip) {
    body.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (raw > maxBytes) unzip.destroy(tooLarge());
    });
    body.on('error', (err) => unzip.destroy(err));
    body.pipe(unzip);
  }
  const stream: Readable = unzip ?? body;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) throw tooLarge();
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    if (unzip && (err as { code?: string }).code?.startsWith('Z_')) {
      throw new FeedError('decompress', `cannot decompress ${encoding} body: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    discard(body);
    if (unzip) discard(unzip);
  }
  return Buffer.concat(chunks);
}

/** gzip's magic and its one method (deflate): no XML or JSON document starts with these bytes. */
const isGzip = (body: Buffer) => body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08;

/**
 * A gzip body the server did not declare: a `.gz` file served as the feed, or a body compressed
 * twice (a cache compressing what the site had already compressed). Unpacked once, with the same
 * cap: before this it read as "Non-whitespace before first tag".
 */
export function gunzipUndeclared(body: Buffer, maxBytes: number): Buffer {
  if (!isGzip(body)) return body;
  try {
    return zlib.gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FeedError('too-large', `body larger than the ${formatBytes(maxBytes)} cap once unzipped (gzip the server did not declare)`);
    }
    throw new FeedError('decompress', `body is gzip the server did not declare, and it cannot be unzipped: ${(err as Error).message}`);
  }
}

const formatBytes = (n: number) =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`;

/** Drop a stream we no longer want. Destroying an undici body emits an abort error nobody needs to hear. */
export function discard(stream: Readable | zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress): void {
  stream.on('error', () => {});
  stream.destroy();
}
