import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredNew } from '../src/core/feeds/store.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { type FeedPollResult, pollOnce } from '../src/core/feeds/poll.js';
import { formatHealthTable, formatPollSummary } from '../src/core/feeds/report.js';
import { feedHealthReply } from '../src/core/feeds/health-reply.js';
import { createAgent, fetchFeed } from '../src/core/feeds/fetch.js';
import { HostLimiter } from '../src/core/feeds/limiter.js';
import { composeDigest } from '../src/core/digests/compose.js';
import { type FeedServer, hasCorpus, startFeedServer } from './helpers/feed-server.js';
import { ROOT, testDeps, withTestDeps } from './helpers/feed-deps.js';
import { BriefLibrary } from '../src/core/briefs/library.js';

let server: FeedServer;
let t: ReturnType<typeof testDeps>;

const feed = (name: string, path: string, language = 'en'): FeedConfig => ({
  name,
  url: server.url(path),
  language,
  interval: 30,
  local: false,
  // The test server is on 127.0.0.1: a private address, refused unless the feed allows it.
  allow_private: true,
});

const good = () => [
  feed('andes-wire', '/examples/andes-wire.xml'),
  feed('monitor-gzip', '/gzip'),
  feed('google-news-es', '/examples/google-news-colombia-es.xml', 'es'),
  feed('diario-cp1252', '/windows-1252', 'es'),
  feed('conditional', '/conditional'),
  feed('three-redirects', '/chain/3'),
];
const bad = () => [
  feed('slow', '/slow'),
  feed('error-500', '/status/500'),
  feed('missing-404', '/status/404'),
  feed('redirect-loop', '/loop/a'),
  feed('redirect-chain', '/chain/9'),
  feed('huge', '/huge'),
  feed('malformed', '/malformed'),
  feed('login-page', '/not-a-feed'),
];

function byName(results: FeedPollResult[]) {
  return Object.fromEntries(results.map((r) => [r.feed, r]));
}

beforeAll(async () => {
  server = await startFeedServer();
  t = testDeps();
});
afterAll(async () => {
  await t.cleanup();
  await server.close();
});

describe('pollOnce against a real, misbehaving HTTP server', () => {
  it('given a feed that serves 600 items, then its newest 500 are stored and the report says the rest were left out', async () => {
    await withTestDeps(async (own) => {
      const summary = await pollOnce([feed('archive', '/archive')], own.deps);
      expect(summary.feeds[0]).toMatchObject({ status: 'ok', fetched: 500, newItems: 500, beyondCap: 100 });
      const guids = (own.store.db.prepare('SELECT guid FROM items').all() as { guid: string }[]).map((r) => Number(r.guid.slice(2)));
      expect([Math.min(...guids), Math.max(...guids), guids.length]).toEqual([100, 599, 500]);
      expect(formatPollSummary(summary)).toContain('500 items (100 older ones past the 500 a feed may bring were left out): 500 new');
    });
  });

  it('given gzip the server did not declare, or a body compressed twice, then the feed reads; unzipped past the cap, it fails as too large', async () => {
    await withTestDeps(async (own) => {
      const feeds = [feed('gz-file', '/gzip-undeclared'), feed('gz-twice', '/gzip-twice'), feed('gz-bomb', '/gzip-bomb')];
      const r = byName((await pollOnce(feeds, own.deps)).feeds);
      // Before, both read as "malformed XML: Non-whitespace before first tag".
      expect(r['gz-file']).toMatchObject({ status: 'ok', fetched: 5, newItems: 5 });
      expect(r['gz-twice']).toMatchObject({ status: 'ok', fetched: 5, newItems: 0, duplicates: 5 });
      expect(r['gz-bomb']).toMatchObject({
        status: 'error',
        code: 'too-large',
        error: 'body larger than the 1.0 MB cap once unzipped (gzip the server did not declare)',
      });
    });
  });

  it('given a feed its server cut off halfway (a PHP error), then the whole items before the break are stored, the report and the feed’s health name the break, and the next poll asks for the whole document', async () => {
    const own = testDeps();
    try {
      const cut = feed('cut-short', '/cut-short');
      const summary = await pollOnce([cut], own.deps);
      expect(summary.feeds[0]).toMatchObject({ status: 'ok', fetched: 3, newItems: 3 });
      const broke = /the document broke: malformed XML: Unclosed root tag; Line: \d+; Column: \d+; Char: ; read the 3 items before it/;
      const line = formatPollSummary(summary).split('\n').find((l) => l.startsWith('cut-short'));
      expect(line).toMatch(new RegExp(`3 items: 3 new .*; ${broke.source}`));
      // A success alone would hide it: `briefbot feeds` shows the feed as read in part, and why.
      const row = async () => formatHealthTable(await own.store.listHealth(), new Date(), await own.store.lastNewItems()).split('\n').find((l) => l.startsWith('cut-short'));
      expect(await row()).toMatch(new RegExp(`^cut-short\\s+partial\\s.*\\[parse\\] ${broke.source}$`));
      // Its validators are not kept: the same ETag may come back with the whole document.
      await pollOnce([cut], own.deps);
      const sent = server.requests.filter((q) => q.path === '/cut-short');
      expect(sent.at(-1)?.headers['if-none-match']).toBeUndefined();
      // The moderators hear once, not every poll; and once more when a whole document comes.
      server.setCutShort(false);
      const whole = await pollOnce([cut], own.deps);
      expect(whole.feeds[0]).toMatchObject({ status: 'ok', fetched: 4, newItems: 1, cutShort: undefined });
      expect(own.events.map((e) => [e.kind, e.health.state])).toEqual([['partial', 'partial'], ['recovered', 'ok']]);
      expect(own.events[0]?.health.lastError).toMatch(broke);
      expect(await row()).toMatch(/^cut-short\s+ok\s+\S+ \S+\s+\S+ \S+\s+0\s+\S+ \S+\s*$/);
    } finally {
      server.setCutShort(true);
      await own.cleanup();
    }
  });

  it('given a server that stops sending, then the reason names the time limit, whichever timer fires first (undici’s said "Body Timeout Error")', async () => {
    // The agent's own limits are as long as the total; here shorter, so undici's fires first every time.
    const options = { connectTimeoutMs: 500, totalTimeoutMs: 2000, maxBytes: 1 << 20, maxRedirects: 5, userAgent: 'test' };
    const dispatcher = createAgent(500, 100, false);
    try {
      await expect(fetchFeed(server.url('/slow'), {}, { ...options, dispatcher })).rejects.toMatchObject({
        code: 'timeout',
        message: 'no complete response within 2000 ms',
      });
    } finally {
      await dispatcher.close();
    }
  });

  it('given good and bad feeds together, then each bad one fails with a precise reason and every good item arrives', async () => {
    const refused = { ...feed('refused', '/'), url: 'http://127.0.0.1:1/feed.xml' };
    const feeds = [...good(), ...bad(), refused];
    const started = Date.now();
    const summary = await pollOnce(feeds, t.deps);
    const elapsed = Date.now() - started;
    const r = byName(summary.feeds);

    expect(r.slow).toMatchObject({
      status: 'error',
      code: 'timeout',
      error: 'no complete response within 600 ms',
    });
    expect(r.slow?.ms).toBeLessThan(1500);
    expect(r['error-500']).toMatchObject({ status: 'error', code: 'http-status' });
    expect(r['error-500']?.status === 'error' && r['error-500'].error).toMatch(/^HTTP 500 from /);
    expect(r['missing-404']).toMatchObject({ status: 'error', code: 'http-status' });
    expect(r['redirect-loop']).toMatchObject({ status: 'error', code: 'redirect-loop' });
    expect(r['redirect-chain']).toMatchObject({
      status: 'error',
      code: 'too-many-redirects',
      error: expect.stringMatching(/more than 5 redirects/),
    });
    expect(r.huge).toMatchObject({
      status: 'error',
      code: 'too-large',
      error: 'body larger than the 1.0 MB cap',
    });
    expect(server.hugeBytesSent()).toBeLessThan(10 * 1024 * 1024);
    expect(r.malformed).toMatchObject({
      status: 'error',
      code: 'parse',
      error: expect.stringMatching(/^malformed XML: /),
    });
    expect(r['login-page']).toMatchObject({ status: 'error', code: 'not-a-feed' });
    expect(r.refused).toMatchObject({
      status: 'error',
      code: 'network',
      error: expect.stringMatching(/ECONNREFUSED/),
    });

    // Every good feed ok and all its items stored.
    for (const name of [
      'andes-wire',
      'monitor-gzip',
      'google-news-es',
      'diario-cp1252',
      'three-redirects',
      'conditional',
    ]) {
      expect(r[name]?.status, name).toBe('ok');
    }
    expect(r['monitor-gzip']).toMatchObject({ fetched: 5, newItems: 5 });
    expect(r['google-news-es']).toMatchObject({ fetched: 5, newItems: 5 });
    expect(r['diario-cp1252']).toMatchObject({ fetched: 4, newItems: 4, encoding: 'windows-1252' });
    // The same andes-wire document at three URLs: each item stored once (same canonical link), whichever came first.
    const sameDoc = ['andes-wire', 'conditional', 'three-redirects'].map((n) => r[n]);
    expect(sameDoc.map((x) => (x?.status === 'ok' ? x.fetched : 0))).toEqual([6, 6, 6]);
    expect(sameDoc.reduce((n, x) => n + (x?.status === 'ok' ? x.newItems : 0), 0)).toBe(6);
    expect(sameDoc.reduce((n, x) => n + (x?.status === 'ok' ? x.duplicates : 0), 0)).toBe(12);
    expect(elapsed).toBeLessThan(3000);
    expect(server.unmatched).toEqual([]);
    console.log(
      `poll: ${feeds.length} feeds in ${elapsed} ms\n${summary.feeds
        .map(
          (f) =>
            `  ${f.feed}: ${f.status}${f.status === 'error' ? ` [${f.code}] ${f.error}` : ''} (${f.ms} ms)`,
        )
        .join('\n')}`,
    );
  });

  it('given the Windows-1252 feed, then é, ñ and curly quotes come out right', async () => {
    const clusters = await t.store.clusters(new Date(0));
    const items = clusters.flatMap((c) => c.items).filter((i) => i.feed === 'diario-cp1252');
    const text = items.map((i) => `${i.title} ${i.summary}`).join('\n');
    expect(text).toContain('dejará');
    expect(text).toContain('“No seremos cómplices”');
    expect(text).toContain('señal');
    expect(text).toContain('“hasta nuevo aviso”');
    expect(text).not.toMatch(/[\u0080-\u009f\ufffd]/);
  });

  it('given a second poll, then the conditional feed sent its validators and got 304', async () => {
    const summary = await pollOnce([feed('conditional', '/conditional')], t.deps);
    expect(byName(summary.feeds).conditional).toMatchObject({ status: 'not-modified' });
    const sent = server.requests.filter((q) => q.path === '/conditional');
    expect(sent[0]?.headers['if-none-match']).toBeUndefined();
    expect(sent.at(-1)?.headers['if-none-match']).toBe('"v1-andes-wire"');
    expect(sent.at(-1)?.headers['if-modified-since']).toBe('Wed, 17 Sep 2025 08:00:00 GMT');
    expect(sent.at(-1)?.headers['user-agent']).toMatch(/^briefbot\/0\.1 \(\+https?:\/\//);
    expect(sent.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('given a server that answers 304 to a request that named no earlier copy, then the feed fails (it never sent a document); a 410 says the feed is gone', async () => {
    const summary = await pollOnce([feed('always-304', '/status/304')], t.deps);
    expect(byName(summary.feeds)['always-304']).toMatchObject({
      status: 'error',
      code: 'http-status',
      error: expect.stringMatching(/^HTTP 304 \(not modified\) from http:\/\/\S+\/status\/304, though no earlier copy was named: it sent no feed$/),
    });
    // 410 says what to do about it.
    const gone = await pollOnce([feed('gone', '/status/410')], t.deps);
    expect(gone.feeds[0]).toMatchObject({
      error: expect.stringMatching(/^HTTP 410 \(gone: the site removed this feed; take it out of feeds\.yaml or give its new URL\) from http:/),
    });
    // https to a plain-HTTP port: OpenSSL's message spans lines; the reason is one.
    const tls = await pollOnce([{ ...feed('tls', '/examples/andes-wire.xml'), url: server.url('/examples/andes-wire.xml').replace('http:', 'https:') }], t.deps);
    expect(tls.feeds[0]).toMatchObject({ status: 'error', code: 'network', error: expect.not.stringContaining('\n') });
  });

  it('given a feed that fails, then backs off, then recovers, then one event per change', async () => {
    const flaky = feed('flaky', '/flaky');
    server.setFlaky(true);
    let now = new Date('2026-01-01T00:00:00Z');
    const deps = { ...t.deps, now: () => now };
    t.events.length = 0;
    const kinds = () => t.events.filter((e) => e.feed === 'flaky').map((e) => e.kind);

    await pollOnce([flaky], deps);
    expect(kinds()).toEqual(['failing']);
    // Still inside its backoff: skipped, not fetched.
    const skipped = await pollOnce([flaky], deps);
    expect(skipped.feeds[0]).toMatchObject({ status: 'backing-off' });
    for (let i = 0; i < 3; i++) {
      now = new Date(now.getTime() + 24 * 3600_000);
      await pollOnce([flaky], deps);
    }
    expect(kinds()).toEqual(['failing', 'backed-off']);
    const health = await t.store.getHealth('flaky');
    expect(health).toMatchObject({
      state: 'backed-off',
      consecutiveFailures: 4,
      lastErrorCode: 'http-status',
    });
    expect(health?.lastError).toMatch(/^HTTP 503/);
    expect(health?.nextAttemptAt?.getTime()).toBe(now.getTime() + 40 * 60_000);

    server.setFlaky(false);
    now = new Date(now.getTime() + 24 * 3600_000);
    await pollOnce([flaky], deps);
    await pollOnce([flaky], { ...deps, force: true });
    expect(kinds()).toEqual(['failing', 'backed-off', 'recovered']);
    expect(await t.store.getHealth('flaky')).toMatchObject({ state: 'ok', consecutiveFailures: 0 });
  });

  it('given a feed given a new URL in feeds.yaml, then the new one is fetched at once, without the old one’s validators or backoff', async () => {
    await withTestDeps(async (own) => {
      const now = new Date('2026-01-01T00:00:00Z');
      const deps = { ...own.deps, now: () => now };
      const kinds = (name: string) => own.events.filter((e) => e.feed === name).map((e) => e.kind);
      // A failing feed, backed off: the moderator fixes its URL.
      await pollOnce([feed('fixed', '/status/500')], deps);
      expect(kinds('fixed')).toEqual(['failing']);
      expect(await pollOnce([feed('fixed', '/status/500')], deps)).toMatchObject({ feeds: [{ status: 'backing-off' }] });
      const fixed = await pollOnce([feed('fixed', '/examples/andes-wire.xml')], deps);
      expect(fixed.feeds[0]).toMatchObject({ status: 'ok' });
      expect(kinds('fixed')).toEqual(['failing', 'recovered']);

      // A feed read with validators, pointed at another document: asked for it whole.
      await pollOnce([feed('pointed', '/conditional')], deps);
      expect((await own.store.getHealth('pointed'))?.etag).toBe('"v1-andes-wire"');
      const pointed = await pollOnce([feed('pointed', '/examples/hemisphere-monitor.atom')], { ...deps, force: true });
      expect(pointed.feeds[0]).toMatchObject({ status: 'ok' });
      const asked = server.requests.filter((q) => q.path === '/examples/hemisphere-monitor.atom').at(-1);
      expect(asked?.headers['if-none-match']).toBeUndefined();
      expect(asked?.headers['if-modified-since']).toBeUndefined();
    });
  });

  it('given a server that answers 429 or 503 with Retry-After, then the feed waits at least as long as it asked, and says so', async () => {
    await withTestDeps(async (own) => {
      const started = Date.now();
      const r = byName((await pollOnce([feed('rate-limited', '/rate-limited'), feed('down-until', '/down-until')], own.deps)).feeds);
      expect(r['rate-limited']).toMatchObject({ status: 'error', code: 'http-status', error: expect.stringMatching(/^HTTP 429 from http:\/\/\S+\/rate-limited; it asked for no retry within 2 h$/) });
      expect(r['down-until']).toMatchObject({ status: 'error', code: 'http-status', error: expect.stringMatching(/^HTTP 503 from \S+; it asked for no retry within 3 h$/) });
      // Not the first failure's 5 minutes: the two hours (and three) the servers asked for.
      const next = async (name: string) => ((await own.store.getHealth(name))?.nextAttemptAt?.getTime() ?? 0) - started;
      expect(await next('rate-limited')).toBeGreaterThanOrEqual(7200_000);
      expect(await next('rate-limited')).toBeLessThan(7200_000 + 60_000);
      expect(await next('down-until')).toBeGreaterThanOrEqual(3 * 3_600_000 - 2_000);
      expect(await next('down-until')).toBeLessThan(3 * 3_600_000 + 60_000);
      // So the next cycle does not ask again.
      const again = await pollOnce([feed('rate-limited', '/rate-limited')], own.deps);
      expect(again.feeds[0]).toMatchObject({ status: 'backing-off' });
      expect(server.requests.filter((q) => q.path === '/rate-limited')).toHaveLength(1);
    });
  });

  it('given a host that answers 429 with Retry-After, then its other feeds wait too, across polls and processes, and the report says why', async () => {
    await withTestDeps(async (own) => {
      // One at a time on the host, so the rate-limited feed is asked first; each poll its own limiter,
      // as each cycle (and each process) has: the pause is the store's.
      const deps = { ...own.deps, limiter: new HostLimiter(8, 1) };
      const limited = feed('rate-limited', '/rate-limited');
      const sibling = feed('sibling', '/examples/andes-wire.xml');
      const elsewhere = { ...feed('elsewhere', '/examples/andes-wire.xml'), url: server.url('/examples/andes-wire.xml').replace('127.0.0.1', 'localhost') };
      const asked = () => server.requests.filter((q) => q.path === '/examples/andes-wire.xml').length;
      const before = asked();
      const summary = await pollOnce([limited, sibling, elsewhere], deps);
      const r = byName(summary.feeds);
      expect(r.sibling).toMatchObject({ status: 'backing-off', hostPaused: expect.stringMatching(/^127\.0\.0\.1:\d+ asked for no requests until \S+ \(HTTP 429 from \S+\/rate-limited, for feed rate-limited\)$/) });
      expect(r.elsewhere).toMatchObject({ status: 'ok', newItems: expect.any(Number) });
      expect(asked() - before).toBe(1);
      expect(formatPollSummary(summary)).toMatch(/^sibling\s+backing off\s+not asked: 127\.0\.0\.1:\d+ asked for no requests until/m);
      // The sibling's own health is untouched: it did nothing wrong, and no moderator hears of it.
      expect(await own.store.getHealth('sibling')).toBeUndefined();
      // But /feeds and `briefbot feeds` say which host asked, until when, and why.
      const pauses = await own.store.hostPauses(new Date());
      const reply = feedHealthReply(await own.store.listHealth(), await own.store.lastNewItems(), new Date(), pauses);
      expect(reply.status).toMatch(/, 1 host asking us to wait\.$/);
      expect(reply.sections.find((x) => x.key === 'paused')?.items).toEqual([
        { text: expect.stringMatching(/^127\.0\.0\.1:\d+: no requests until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/), detail: expect.stringMatching(/^HTTP 429 from \S+\/rate-limited, for feed rate-limited$/) },
      ]);
      expect(formatHealthTable(await own.store.listHealth(), new Date(), await own.store.lastNewItems(), pauses)).toMatch(
        /\nHosts that asked us to wait:\n {2}127\.0\.0\.1:\d+ asked for no requests until \S+ \S+ \(HTTP 429 from \S+\/rate-limited, for feed rate-limited\)\n$/,
      );
      expect(own.events.map((e) => e.feed)).toEqual(['rate-limited']);
      // The next poll keeps the pause: the sibling is still not asked.
      const next = await pollOnce([sibling], { ...deps, limiter: new HostLimiter(8, 1), force: true });
      expect(next.feeds[0]).toMatchObject({ status: 'backing-off' });
      // Nor by another process on the same store (a restarted bot, or poll --once beside it).
      const other = new SqliteStore(join(own.dir, 'briefbot.db'));
      try {
        const elsewhereProcess = await pollOnce([sibling], { ...deps, store: other, limiter: new HostLimiter(8, 1), force: true });
        expect(elsewhereProcess.feeds[0]).toMatchObject({ status: 'backing-off', hostPaused: expect.stringContaining('HTTP 429') });
      } finally {
        await other.close();
      }
      expect(asked() - before).toBe(1);
      // Once the time has passed, it is asked again.
      const later = await pollOnce([sibling], { ...deps, limiter: new HostLimiter(8, 1), now: () => new Date(Date.now() + 7201_000) });
      expect(later.feeds[0]).toMatchObject({ status: 'ok' });
    });
  });

  it('given a feed that redirects to another host which answers 429, then that host waits, not the feed’s own', async () => {
    await withTestDeps(async (own) => {
      const limitedHost = server.url('/rate-limited');
      const via = { ...feed('via', '/redirect'), url: `${server.url('/redirect').replace('127.0.0.1', 'localhost')}?to=${encodeURIComponent(limitedHost)}` };
      const first = await pollOnce([via], { ...own.deps, limiter: new HostLimiter(8, 1) });
      expect(first.feeds[0]).toMatchObject({ status: 'error', error: expect.stringMatching(/^HTTP 429 from http:\/\/127\.0\.0\.1:\d+\/rate-limited/) });
      const onOwnHost = { ...feed('own-host', '/examples/andes-wire.xml'), url: server.url('/examples/andes-wire.xml').replace('127.0.0.1', 'localhost') };
      const onLimitedHost = feed('limited-host', '/examples/hemisphere-monitor.atom');
      const r = byName((await pollOnce([onOwnHost, onLimitedHost], { ...own.deps, limiter: new HostLimiter(8, 1) })).feeds);
      expect(r['own-host']).toMatchObject({ status: 'ok' });
      expect(r['limited-host']).toMatchObject({ status: 'backing-off', hostPaused: expect.stringMatching(/^127\.0\.0\.1:\d+ asked for no requests until \S+ \(HTTP 429 from \S+\/rate-limited, for feed via\)$/) });
    });
  });

  it('given a feed whose URL redirects permanently, then it is read, and the report, the health table and the moderators (once) say where it moved, until feeds.yaml says so too', async () => {
    await withTestDeps(async (own) => {
      const movedTo = server.url('/examples/andes-wire.xml');
      const moved = feed('moved', '/chain/2');
      const summary = await pollOnce([moved, feed('temporary', '/found')], own.deps);
      const r = byName(summary.feeds);
      expect(r.moved).toMatchObject({ status: 'ok', movedTo });
      // A 302 on the way: the old address stays the right one to keep.
      expect(r.temporary).toMatchObject({ status: 'ok', movedTo: undefined });
      const note = `moved permanently to ${movedTo} (update feeds.yaml)`;
      expect(formatPollSummary(summary).split('\n').find((l) => l.startsWith('moved '))).toContain(`; ${note};`);
      const row = async (name: string) => formatHealthTable(await own.store.listHealth(), new Date()).split('\n').find((l) => l.startsWith(`${name} `));
      expect(await row('moved')).toMatch(new RegExp(`^moved\\s+ok\\s.*\\s${note.replace(/[.()]/g, '\\$&')}$`));
      expect(await row('temporary')).not.toContain('moved');
      await pollOnce([moved], own.deps);
      expect(own.events.map((e) => [e.feed, e.kind, e.health.movedTo])).toEqual([['moved', 'moved', movedTo]]);
      // The operator updates feeds.yaml: the note goes.
      await pollOnce([{ ...moved, url: movedTo }], own.deps);
      expect(await row('moved')).not.toContain('moved permanently');
    });
  });

  it('given a feed that still answers but has brought nothing new for days, then briefbot feeds shows when it last did', async () => {
    await withTestDeps(async (own) => {
      const quiet = feed('quiet', '/examples/andes-wire.xml');
      let now = new Date('2026-11-01T08:00:00Z');
      const deps = { ...own.deps, now: () => now };
      expect((await pollOnce([quiet], deps)).feeds[0]).toMatchObject({ status: 'ok', newItems: 6 });
      now = new Date('2026-11-12T09:30:00Z');
      expect((await pollOnce([quiet], deps)).feeds[0]).toMatchObject({ status: 'ok', newItems: 0 });
      const table = formatHealthTable(await own.store.listHealth(), now, await own.store.lastNewItems());
      expect(table.split('\n')[0]).toMatch(/^FEED\s+STATE\s+LAST SUCCESS\s+LAST NEW ITEM\s+FAILURES/);
      expect(table.split('\n')[1]).toMatch(/^quiet\s+ok\s+2026-11-12 09:30\s+2026-11-01 08:00\s+0\s/);
    });
  });

  it('given feeds in every state, then /feeds puts those that need a moderator first, each with its reason', async () => {
    await withTestDeps(async (own) => {
      let now = new Date('2026-11-01T08:00:00Z');
      const deps = { ...own.deps, now: () => now };
      await pollOnce([feed('quiet', '/examples/google-news-colombia-es.xml')], deps);
      now = new Date('2026-11-12T09:30:00Z');
      const feeds = [
        feed('quiet', '/examples/google-news-colombia-es.xml'),
        feed('broken', '/status/500'),
        feed('cut', '/cut-short'),
        feed('moved', '/chain/2'),
        feed('fine', '/examples/hemisphere-monitor.atom'),
      ];
      await pollOnce(feeds, { ...deps, force: true });
      const reply = feedHealthReply(await own.store.listHealth(), await own.store.lastNewItems(), now);
      expect(reply.status).toBe('5 feeds: 2 working, 1 failing, 1 read in part, 1 quiet.');
      expect(reply.tone).toBe('warning');
      const shown = Object.fromEntries(reply.sections.map((s) => [s.heading, s.items.map((i) => [i.text, i.detail].filter(Boolean).join(' | '))]));
      expect(shown).toEqual({
        'Failing (1)': [`broken: HTTP 500 from ${server.url('/status/500')} | 1 failure in a row; next attempt 2026-11-12 09:35 UTC`],
        'Read in part (1)': [expect.stringMatching(/^cut: the document broke: .+; read the 3 items before it$/)],
        'Moved (1)': [`moved: moved permanently to ${server.url('/examples/andes-wire.xml')} (update feeds.yaml)`],
        'Quiet for a week (1)': ['quiet: no new item since 2026-11-01 08:00 UTC; it answers, with nothing new'],
        'Working (2)': ['fine, moved'],
      });
      // A feed that answers but has never brought an item is not "quiet for a week" after one poll.
      await pollOnce([feed('empty', '/empty-channel')], { ...deps, force: true });
      const withEmpty = feedHealthReply(await own.store.listHealth(), await own.store.lastNewItems(), now);
      expect(withEmpty.sections.find((x) => x.key === 'empty')?.items).toEqual([{ text: 'empty: it answers, but has brought no item' }]);
      expect(withEmpty.status).toMatch(/1 with no items yet\.$/);
      // One feed is "1 feed", in the chat and on the command line.
      const one = (await own.store.listHealth()).filter((h) => h.feed === 'fine');
      expect(feedHealthReply(one, await own.store.lastNewItems(), now).status).toBe('1 feed: 1 working, 0 failing.');
      const single = await pollOnce([feed('fine', '/examples/hemisphere-monitor.atom')], { ...deps, force: true });
      expect(formatPollSummary(single)).toMatch(/\n1 feed, 0 new items, 0 failed, \d+ ms\n$/);
    });
  });

  it('given storing a feed fails part-way, then the next feed never joins a story that was rolled back', async () => {
    // The real store, failing once after two of a feed's items: the disk errs mid-transaction.
    let failures = 1;
    class FailingStore extends SqliteStore {
      override async storeItems(...[items, story, stored, seenAt]: Parameters<SqliteStore['storeItems']>) {
        if (failures-- <= 0) return super.storeItems(items, story, stored, seenAt);
        let n = 0;
        const failing = (s: StoredNew) => {
          stored(s);
          if (++n === 2) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        };
        return super.storeItems(items, story, failing, seenAt);
      }
    }
    const store = new FailingStore(`${t.dir}/rollback.db`);
    // Two copies of one feed: the second tells the first's stories and would join them.
    const feeds = [feed('copy-a', '/examples/andes-wire.xml?copy=a'), feed('copy-b', '/examples/andes-wire.xml?copy=b')];
    const results = (await pollOnce(feeds, { ...t.deps, store })).feeds;
    const failed = results.find((r) => r.status === 'error');
    const stored = results.find((r) => r.status === 'ok');
    expect(failed).toMatchObject({
      status: 'error',
      code: 'store',
      error: 'fetched and parsed, but storing its items failed: disk I/O error',
    });
    expect(stored).toMatchObject({ status: 'ok', newItems: 6, duplicates: 0 });
    const orphans = store.db
      .prepare('SELECT count(*) AS n FROM items WHERE cluster_id NOT IN (SELECT id FROM clusters)')
      .get() as { n: number };
    expect(orphans.n).toBe(0);
    // The failed feed comes back next cycle: its items are the other's, by link; none lost, none doubled.
    const again = await pollOnce(feeds, { ...t.deps, store, force: true });
    expect(again.feeds.map((r) => r.status)).not.toContain('error');
    expect((store.db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(6);
    await store.close();
  });

  it('given storing lags behind fetching, then no more feeds are fetched than the backlog allows, and none is lost', async () => {
    // The real store, held shut until the test opens it: a disk or lock that stalls.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    class StalledStore extends SqliteStore {
      override async storeItems(...args: Parameters<SqliteStore['storeItems']>) {
        await gate;
        return super.storeItems(...args);
      }
    }
    const store = new StalledStore(`${t.dir}/stalled.db`);
    const feeds = Array.from({ length: 10 }, (_, i) => feed(`backlog-${i}`, `/examples/andes-wire.xml?copy=${i}`));
    const fetched = () => server.requests.filter((q) => q.path === '/examples/andes-wire.xml').length;
    const before = fetched();
    const cycle = pollOnce(feeds, { ...t.deps, store, backlog: 3 });
    await expect.poll(() => fetched() - before, { timeout: 5000 }).toBe(3);
    // The three wait to be stored; nothing more is fetched while they do.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fetched() - before).toBe(3);
    open();
    const summary = await cycle;
    expect(fetched() - before).toBe(10);
    expect(summary.feeds.map((f) => f.status)).toEqual(Array(10).fill('ok'));
    // Ten copies of one feed: the first stores every item, the other nine see each as a duplicate.
    const first = summary.feeds.find((f) => f.status === 'ok' && f.newItems > 0);
    const items = first?.status === 'ok' ? first.fetched : 0;
    expect(items).toBeGreaterThan(0);
    const counted = summary.feeds.map((f) => (f.status === 'ok' ? [f.newItems, f.duplicates] : []));
    expect(counted.filter(([n]) => n === items)).toHaveLength(1);
    expect(counted.filter(([n, d]) => n === 0 && d === items)).toHaveLength(9);
    const rows = store.db.prepare('SELECT count(*) AS n FROM items').get() as { n: number };
    expect(rows.n).toBe(items);
    await store.close();
  });

  it.skipIf(!hasCorpus)('given feedjira’s permalink feed over HTTP, then items without a <link> are stored at their permalink guid, and only those', async () => {
    await withTestDeps(async (own) => {
      const summary = await pollOnce([feed('permalinks', '/corpus/feedjira/Permalinks.xml')], own.deps);
      expect(summary.feeds[0]).toMatchObject({ status: 'ok', newItems: 4 });
      const rows = own.store.db.prepare('SELECT title, link FROM items ORDER BY title').all();
      expect(rows).toEqual([
        { title: 'Item 1', link: null }, // isPermaLink="false"
        { title: 'Item 2', link: 'http://example.com/2' },
        { title: 'Item 3', link: 'http://example.com/3' },
        { title: 'Item 4', link: 'http://example.com/4' }, // its <link>, not its guid
      ]);
    });
  });

  it('given two topic-restricted searches carrying one article, then it reaches both topics’ channels, whichever came first, once each', async () => {
    // Google News searches, one per topic (as feeds.yaml has them), returning the same articles.
    const search = (name: string, topic: string): FeedConfig => ({
      ...feed(name, `/examples/google-news-colombia-es.xml?search=${topic}`, 'es'),
      topics: [topic],
    });
    const briefs = new BriefLibrary(`${ROOT}/briefs`);
    briefs.load();
    const brics = 'Colombia ingresa al Nuevo Banco de Desarrollo de los BRICS';
    const otan = 'Petro anuncia que Colombia dejará de ser socio global de la OTAN';
    // What the second search can tag that the first could not: the BRICS article, or the two on NATO.
    const gained = { 'china-ties': 1, 'nato-status': 2 };
    for (const order of [['nato-status', 'china-ties'], ['china-ties', 'nato-status']] as const) {
      const own = testDeps();
      try {
        const reports = [];
        for (const topic of order) reports.push(await pollOnce([search(`gnews-${topic}`, topic)], own.deps));
        const [first, second] = reports.map((r) => r.feeds[0]);
        expect(first).toMatchObject({ status: 'ok', newItems: 5, duplicates: 0, retagged: 0 });
        // The second search brings nothing new, but the article the first could not tag for its topic
        // now carries the second's; an article tagged already keeps its tags.
        const retagged = gained[order[1]];
        expect(second).toMatchObject({ status: 'ok', newItems: 0, duplicates: 5, retagged });
        expect(formatPollSummary(reports[1]!)).toContain(
          `5 seen before (${retagged} of them from another feed, now also tagged with this feed's topics)`,
        );
        const digestFor = async (topic: string, coveredUntil: Date) =>
          JSON.stringify(
            (
              await composeDigest(
                {
                  id: 1,
                  platform: 'slack',
                  channelId: `C-${topic}`,
                  topics: [topic],
                  schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] },
                  cap: 10,
                  postWhenEmpty: false,
                  createdAt: new Date(0),
                  coveredUntil,
                },
                new Date(),
                own.store,
                briefs,
                Number.POSITIVE_INFINITY,
              )
            ).reply ?? '',
          );
        const longAgo = new Date(Date.now() - 86_400_000);
        const china = await digestFor('china-ties', longAgo);
        const nato = await digestFor('nato-status', longAgo);
        expect([china.includes(brics), china.includes(otan)], order.join(' then ')).toEqual([true, false]);
        expect([nato.includes(brics), nato.includes(otan)], order.join(' then ')).toEqual([false, true]);
      } finally {
        await own.cleanup();
      }
    }
  });
});

