import { createReadStream, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FeedError } from './errors.js';
import { readCapped } from './body.js';
import type { FetchResult, Validators } from './fetch.js';

/**
 * A feed marked `local` in feeds.yaml (the demo's sample feeds): read from disk with the same byte cap,
 * and the file's mtime as its Last-Modified so an unchanged file polls as "not modified".
 */
export async function readLocalFeed(
  url: string,
  validators: Validators,
  maxBytes: number,
): Promise<FetchResult> {
  let path: string;
  let mtime: string;
  try {
    path = fileURLToPath(url);
    mtime = statSync(path).mtime.toUTCString();
  } catch (err) {
    throw new FeedError('read', `cannot read ${url}: ${(err as Error).message}`);
  }
  if (validators.lastModified === mtime) return { kind: 'not-modified', url };
  const body = await readCapped(createReadStream(path), undefined, maxBytes);
  return { kind: 'ok', url, body, lastModified: mtime };
}
