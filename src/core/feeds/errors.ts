/** Stable codes for why a feed failed: stored with its health and shown in `briefbot feeds`. */
export const FEED_ERROR_CODES = [
  'bad-url',
  'connect-timeout',
  'timeout',
  'network',
  'http-status',
  'too-many-redirects',
  'redirect-loop',
  'too-large',
  'decompress',
  'read',
  'parse',
  'parse-timeout',
  'not-a-feed',
  /** The URL, a redirect or a DNS answer points at a loopback, private, link-local or metadata address. */
  'blocked-address',
  /** The feed was fine; writing its items to the store failed (disk full, read-only, I/O error). */
  'store',
] as const;

export type FeedErrorCode = (typeof FEED_ERROR_CODES)[number];

export class FeedError extends Error {
  override name = 'FeedError';
  constructor(
    readonly code: FeedErrorCode,
    message: string,
    /** The server asked us to wait this long before asking again (its Retry-After). */
    readonly retryAfterMs?: number,
    /** The URL that answered so, after redirects: its host is the one to leave alone. */
    readonly from?: string,
  ) {
    super(message);
  }
}

export function asFeedError(err: unknown, fallback: FeedErrorCode = 'network'): FeedError {
  if (err instanceof FeedError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FeedError(fallback, message);
}
