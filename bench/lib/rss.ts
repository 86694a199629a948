import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const SYLLABLES = 'ba ca da fe ga hi jo ka le mi no pa que ri sa te vu za bra cro dri fla gle pro tra ven mor sil cun del far gor han lit mun por rus'.split(' ');
const TOPICAL = ['Colombia', 'Petro', 'Bogotá', 'NATO', 'China', 'decertification', 'Washington', 'Caracas'];
const TWISTS = ['', ' after weekend talks', ' as pressure mounts', ', officials say'];
const STORIES = 5000;

/** A pronounceable word for number n, so titles tokenise like real headlines: 1,296 of two syllables, 46,656 of three. */
const word = (n: number, syllables = 2) => {
  let out = '';
  for (let k = 0; k < syllables; k++) out += SYLLABLES[Math.floor(n / SYLLABLES.length ** k) % SYLLABLES.length]!;
  return out;
};

/** A well-mixed 32-bit hash of n (so story words do not repeat with a short period). */
function hash(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Item `j` of feed `i`: one of 5,000 stories (seven words, four common and three rare, plus a topical word that the briefs
 * match on), told in one of four wordings (one word swapped, a tail added). The same story reaches
 * about ten feeds under slightly different titles, so clustering has real matches to find among many
 * near misses.
 */
export function itemTitle(i: number, j: number): string {
  const story = (i * 7 + j * 131) % STORIES;
  const variant = (i + j) % 4;
  // Four common words (1,296 to choose from) and three rare ones (names, places: 46,656).
  const words = Array.from({ length: 7 }, (_, k) => (k < 4 ? word(hash(story * 8 + k) % 1296) : word(hash(story * 8 + k) % 46_656, 3)));
  if (variant > 0) words[variant * 2] = word(hash(story * 8 + 7 + variant) % 1296);
  const topical = TOPICAL[story % TOPICAL.length]!;
  return `${topical} ${words.join(' ')}${TWISTS[variant]}`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * RSS 2.0 for feed `i`, 50 items published over the last day, built on request (never held in memory).
 * An `edition` after the first is the feed renewed: the same count of items, all new (guids, links and stories).
 */
export function rssDocument(i: number, items: number, now: number, edition = 0): string {
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed ${i}</title><link>https://feed${i}.example/</link><description>Synthetic feed ${i}</description>`,
  ];
  for (let k = 0; k < items; k++) {
    const j = k + edition * items;
    const title = itemTitle(i, j);
    const published = new Date(now - ((i * 13 + j * 29) % 1440) * 60_000).toUTCString();
    out.push(
      `<item><title>${xml(title)}</title><link>https://feed${i}.example/story/${j}</link><guid>feed${i}-item${j}</guid><pubDate>${published}</pubDate><description>${xml(`${title}. A paragraph of context about the story, long enough to look like a real summary of what happened and why it matters for the region.`)}</description></item>`,
    );
  }
  out.push('</channel></rss>');
  return out.join('');
}

export interface RssServer {
  /** URLs of `count` feeds, spread round-robin over `hosts` loopback addresses (127.0.0.1, .2, …). */
  urls(count: number): string[];
  /** Response bytes (headers and bodies) written so far, and requests answered with 200 and 304. */
  stats(): { bytes: number; ok: number; notModified: number };
  /** Publish a new edition of feed `i`: a new ETag and `items` new items. */
  renew(i: number): void;
  close(): Promise<void>;
}

/**
 * Feeds on loopback with ETag/Last-Modified: a conditional GET with the current validators gets 304.
 * One listener per host address: the per-host limit sees `hosts` distinct hosts.
 */
export async function startRssServer(options: { items: number; hosts: number; now: number }): Promise<RssServer> {
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  let ok = 0;
  let notModified = 0;
  const lastModified = new Date(options.now).toUTCString();
  const editions = new Map<number, number>();
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const i = Number(/^\/feed\/(\d+)\.xml$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
    if (!Number.isInteger(i)) {
      res.writeHead(404).end();
      return;
    }
    const edition = editions.get(i) ?? 0;
    const etag = `"feed-${i}-v${edition + 1}"`;
    if (req.headers['if-none-match'] === etag) {
      notModified++;
      res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      return;
    }
    ok++;
    res
      .writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag, 'last-modified': lastModified })
      .end(rssDocument(i, options.items, options.now, edition));
  };
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let h = 1; h <= options.hosts; h++) {
    const server = createServer(handler);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => {
        closedBytes += s.bytesWritten;
        sockets.delete(s);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, `127.0.0.${h}`, resolve));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  return {
    urls: (count) =>
      Array.from({ length: count }, (_, i) => `http://127.0.0.${(i % options.hosts) + 1}:${ports[i % options.hosts]}/feed/${i}.xml`),
    stats: () => ({ bytes: closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0), ok, notModified }),
    renew: (i) => {
      editions.set(i, (editions.get(i) ?? 0) + 1);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
