import { Agent, buildConnector, request } from 'undici';
import { type AddressGuard, checkedAddress } from './address-guard.js';
import { discard, gunzipUndeclared, readCapped } from './body.js';
import { FeedError } from './errors.js';
import { readLocalFeed } from './fetch-local.js';

export interface FetchOptions {
  connectTimeoutMs: number;
  /** Everything: connect, redirects, headers and the whole body. */
  totalTimeoutMs: number;
  /** Cap on the body after decompression (and before it, so a slow trickle is cut too). */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** One per poller: keeps connections alive between feeds on one host. Refuses non-public addresses. */
  dispatcher: Agent;
  /** For feeds marked `allow_private: true`: the same without the address check. */
  privateDispatcher?: Agent | undefined;
  /** This feed may be on a private address (its `allow_private`). */
  allowPrivate?: boolean | undefined;
}

export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

/** `movedTo`: every redirect on the way was permanent (301/308), so this is the feed's new address. */
export type FetchResult =
  | { kind: 'not-modified'; url: string; movedTo?: string | undefined }
  | ({ kind: 'ok'; url: string; movedTo?: string | undefined; body: Buffer; contentType?: string | undefined } & Validators);

/**
 * The HTTP agent for feeds. With a guard (the default for polling) every connection, first hop or
 * redirect, goes to an address checked by address-guard.ts: the hostname is resolved, every answer
 * checked, and the socket opened to the checked address (SNI and Host still name the host).
 * `guard: false` makes the agent for feeds marked allow_private.
 */
export function createAgent(connectTimeoutMs: number, totalTimeoutMs: number, guard: AddressGuard | false = {}): Agent {
  const base = buildConnector({ timeout: connectTimeoutMs });
  const connect: buildConnector.connector = (opts, callback) => {
    if (guard === false) return base(opts, callback);
    checkedAddress(opts.hostname, guard).then(
      (address) => base({ ...opts, hostname: address }, callback),
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({
    connect,
    headersTimeout: totalTimeoutMs,
    bodyTimeout: totalTimeoutMs,
    keepAliveTimeout: 10_000,
  });
}

/**
 * GET a feed: conditional on the stored validators, redirects followed by hand (so we count them and
 * spot loops), body decompressed and capped while streaming. Every failure is a FeedError with a code.
 */
export async function fetchFeed(
  url: string,
  validators: Validators,
  options: FetchOptions,
): Promise<FetchResult> {
  if (url.startsWith('file:')) return readLocalFeed(url, validators, options.maxBytes);
  const controller = new AbortController();
  const overdue = () => new FeedError('timeout', `no complete response within ${options.totalTimeoutMs} ms`);
  const timer = setTimeout(() => controller.abort(overdue()), options.totalTimeoutMs);
  try {
    return await follow(url, validators, options, controller.signal);
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason instanceof FeedError)
      throw controller.signal.reason;
    // The agent's own limits are the same length, and undici's timers may fire a little before ours.
    if (UNDICI_TIMEOUTS.has(codeOf(err) ?? '')) throw overdue();
    throw toFeedError(err);
  } finally {
    clearTimeout(timer);
  }
}

async function follow(start: string, validators: Validators, options: FetchOptions, signal: AbortSignal) {
  const seen = new Set<string>();
  let current = start;
  let permanent = true;
  const moved = () => (permanent && current !== start ? current : undefined);
  for (let hop = 0; ; hop++) {
    if (!URL.canParse(current) || !/^https?:$/.test(new URL(current).protocol)) {
      throw new FeedError('bad-url', `not an http(s) URL: ${current}`);
    }
    seen.add(current);
    const headers: Record<string, string> = {
      'user-agent': options.userAgent,
      accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      'accept-encoding': 'gzip, deflate, br',
    };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    const dispatcher = options.allowPrivate ? (options.privateDispatcher ?? options.dispatcher) : options.dispatcher;
    const res = await request(current, { method: 'GET', headers, signal, dispatcher });
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const location = header('location');
    if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304 && location) {
      discard(res.body);
      const next = new URL(location, current).href;
      if (seen.has(next)) throw new FeedError('redirect-loop', `redirect loop: ${current} → ${next}`);
      if (hop >= options.maxRedirects) {
        throw new FeedError(
          'too-many-redirects',
          `more than ${options.maxRedirects} redirects (last to ${next})`,
        );
      }
      current = next;
      permanent &&= res.statusCode === 301 || res.statusCode === 308;
      continue;
    }
    if (res.statusCode === 304) {
      discard(res.body);
      // Without validators there is nothing it could be unchanged from: a feed that always says 304
      // would otherwise count as working while it never sent a document.
      if (!validators.etag && !validators.lastModified) {
        throw new FeedError('http-status', `HTTP 304 (not modified) from ${current}, though no earlier copy was named: it sent no feed`);
      }
      return { kind: 'not-modified', url: current, movedTo: moved() } as const;
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      discard(res.body);
      // A rate limit (429) or an outage (503) may say when to come back: the backoff waits at least that.
      const wait = retryAfterMs(header('retry-after'), Date.now());
      const asked = wait === undefined ? '' : `; it asked for no retry within ${formatWait(wait)}`;
      // 410 is the server saying the feed is gone for good: only feeds.yaml can end the retries.
      const gone = res.statusCode === 410 ? ' (gone: the site removed this feed; take it out of feeds.yaml or give its new URL)' : '';
      throw new FeedError('http-status', `HTTP ${res.statusCode}${gone} from ${current}${asked}`, wait, current);
    }
    const body = gunzipUndeclared(await readCapped(res.body, header('content-encoding'), options.maxBytes), options.maxBytes);
    return {
      kind: 'ok',
      url: current,
      movedTo: moved(),
      body,
      contentType: header('content-type'),
      etag: header('etag'),
      lastModified: header('last-modified'),
    } as const;
  }
}

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const formatWait = (ms: number) =>
  ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`;

const UNDICI_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const codeOf = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code ?? e?.cause?.code;
};

function toFeedError(err: unknown): FeedError {
  if (err instanceof FeedError) return err;
  const code = codeOf(err);
  // One line: a TLS error from OpenSSL spans several, and reasons are shown in tables and lists.
  const message = ((err as { message?: string } | undefined)?.message ?? String(err)).replace(/\s+/g, ' ').trim();
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return new FeedError('connect-timeout', `connect timed out (${message})`);
  return new FeedError('network', code ? `${code}: ${message}` : message);
}
