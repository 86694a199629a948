import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples', 'feeds');
export const CORPUS_DIR = '/work/shared/corpus/feeds';
export const hasCorpus = existsSync(join(CORPUS_DIR, 'manifest.tsv'));

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FeedServer {
  url(path: string): string;
  requests: RecordedRequest[];
  /** Requests no route answered: a test that sees any has a typo in a URL. */
  unmatched: string[];
  /** Bytes written by the huge-body route before the client hung up. */
  hugeBytesSent(): number;
  /** Make /flaky answer 503 (true) or serve a feed (false). */
  setFlaky(failing: boolean): void;
  /** Make /cut-short break after three items (true) or send the whole document, four items (false). */
  setCutShort(cut: boolean): void;
  close(): Promise<void>;
}

const ETAG = '"v1-andes-wire"';
const LAST_MODIFIED = 'Wed, 17 Sep 2025 08:00:00 GMT';

/**
 * A real HTTP server on 127.0.0.1:<random port> serving the example feeds and the shared corpus, with
 * routes that misbehave on purpose. It records every request so tests can check what the client sent.
 */
export async function startFeedServer(): Promise<FeedServer> {
  const requests: RecordedRequest[] = [];
  const unmatched: string[] = [];
  let hugeSent = 0;
  let flaky = true;
  let cutShort = true;
  const sockets = new Set<import('node:net').Socket>();

  const sendFile = (res: ServerResponse, file: string, type = 'application/rss+xml') => {
    res.writeHead(200, { 'content-type': type });
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers });
    const rest = (prefix: string) => decodeURIComponent(path.slice(prefix.length));
    if (path.startsWith('/examples/')) {
      const file = join(EXAMPLES_DIR, normalize(rest('/examples/')));
      return existsSync(file) ? sendFile(res, file, 'application/xml') : notFound(res);
    }
    if (path.startsWith('/corpus/') && hasCorpus) {
      const file = join(CORPUS_DIR, normalize(rest('/corpus/')));
      return existsSync(file) ? sendFile(res, file, 'application/octet-stream') : notFound(res);
    }
    if (path === '/conditional') {
      if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
        res.writeHead(304, { etag: ETAG });
        return res.end();
      }
      res.writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        etag: ETAG,
        'last-modified': LAST_MODIFIED,
      });
      return res.end(readFileSync(join(EXAMPLES_DIR, 'andes-wire.xml')));
    }
    if (path === '/archive') {
      // A feed that serves its whole archive, oldest first: 600 items, one an hour from 2025-01-01.
      const items = Array.from({ length: 600 }, (_, i) => {
        const at = new Date(Date.UTC(2025, 0, 1) + i * 3600_000).toUTCString();
        return `<item><title>Archive story ${i}</title><guid>a-${i}</guid><pubDate>${at}</pubDate></item>`;
      });
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      return res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Archive</title>${items.join('')}</channel></rss>`);
    }
    if (path === '/gzip') {
      res.writeHead(200, { 'content-type': 'application/atom+xml', 'content-encoding': 'gzip' });
      return res.end(gzipSync(readFileSync(join(EXAMPLES_DIR, 'hemisphere-monitor.atom'))));
    }
    if (path === '/gzip-undeclared' || path === '/gzip-twice') {
      // A .gz file served as the feed (no Content-Encoding), or a body compressed twice.
      const once = gzipSync(readFileSync(join(EXAMPLES_DIR, 'hemisphere-monitor.atom')));
      if (path === '/gzip-undeclared') res.writeHead(200, { 'content-type': 'application/atom+xml' });
      else res.writeHead(200, { 'content-type': 'application/atom+xml', 'content-encoding': 'gzip' });
      return res.end(path === '/gzip-undeclared' ? once : gzipSync(once));
    }
    if (path === '/cut-short') {
      // WordPress out of memory halfway through its feed: PHP's error, and no more XML.
      const items = [0, 1, 2, 3].map((i) => `<item><title>Story ${i}</title><link>https://wp.example/${i}</link><guid>wp-${i}</guid></item>`);
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=UTF-8', etag: '"wp-1"' });
      if (!cutShort) return res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>WP</title>\n${items.join('\n')}\n</channel></rss>\n`);
      items.pop();
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>WP</title>\n${items.join('\n')}\n<item><title>Story 3</title><br />\n<b>Fatal error</b>:  Allowed memory size of 134217728 bytes exhausted in <b>/var/www/wp-includes/feed-rss2.php</b> on line <b>52</b><br />\n`,
      );
    }
    if (path === '/gzip-bomb') {
      // 50 MB of spaces in 50 KB of undeclared gzip.
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(gzipSync(Buffer.alloc(50 * 1024 * 1024, ' ')));
    }
    if (path === '/windows-1252') {
      // No charset in the header: the XML prolog must decide.
      return sendFile(res, join(EXAMPLES_DIR, 'diario-de-los-andes-cp1252.xml'), 'text/xml');
    }
    if (path === '/slow') {
      // Headers and the start of a feed at once, then nothing: only a total timeout ends this.
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>');
      return;
    }
    if (path.startsWith('/status/')) {
      res.writeHead(Number(rest('/status/')), { 'content-type': 'text/html' });
      return res.end('<html><body>nope</body></html>');
    }
    if (path === '/loop/a' || path === '/loop/b') {
      res.writeHead(302, { location: path === '/loop/a' ? '/loop/b' : '/loop/a' });
      return res.end();
    }
    if (path === '/empty-channel') {
      // A valid feed with nothing in it (yet): a new section, a search with no results.
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end('<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title><link>https://empty.example/</link><description>x</description></channel></rss>');
    }
    if (path === '/found') {
      // A temporary redirect, then a permanent one: the feed has not moved.
      res.writeHead(302, { location: '/chain/0' });
      return res.end();
    }
    if (path.startsWith('/chain/')) {
      const n = Number(rest('/chain/'));
      res.writeHead(301, { location: n > 0 ? `/chain/${n - 1}` : '/examples/andes-wire.xml' });
      return res.end();
    }
    if (path === '/redirect') {
      // Anywhere the test asks: how a public feed would point the fetcher at an internal address.
      res.writeHead(302, { location: new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/' });
      return res.end();
    }
    if (path === '/rate-limited') {
      // Reddit's answer to a reader that polls too often, and a maintenance page with a date.
      res.writeHead(429, { 'retry-after': '7200' });
      return res.end('Too Many Requests');
    }
    if (path === '/down-until') {
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 3 * 3_600_000).toUTCString() });
      return res.end();
    }
    if (path === '/flaky') {
      if (!flaky) return sendFile(res, join(EXAMPLES_DIR, 'andes-wire.xml'));
      res.writeHead(503, { 'retry-after': '60' });
      return res.end();
    }
    if (path === '/huge') return streamHuge(res, 50 * 1024 * 1024, (n) => (hugeSent = n));
    if (path === '/malformed') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title><item><title>Open',
      );
    }
    if (path === '/not-a-feed') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(
        '<!doctype html><html><head><title>Login</title></head><body>Please sign in</body></html>',
      );
    }
    unmatched.push(path);
    notFound(res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    unmatched,
    hugeBytesSent: () => hugeSent,
    setFlaky: (failing) => {
      flaky = failing;
    },
    setCutShort: (cut) => {
      cutShort = cut;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function notFound(res: ServerResponse) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

/** A 50 MB feed body made on the fly, chunk by chunk as the socket drains: never held in memory. */
function streamHuge(res: ServerResponse, total: number, progress: (sent: number) => void) {
  res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(total) });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      progress(sent);
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => progress(sent));
  pump();
}
