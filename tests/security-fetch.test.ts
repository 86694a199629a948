import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AddressGuard, blockedReason } from '../src/core/feeds/address-guard.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { FeedError } from '../src/core/feeds/errors.js';
import { createAgent, type FetchOptions, fetchFeed } from '../src/core/feeds/fetch.js';
import { pollOnce } from '../src/core/feeds/poll.js';
import { testDeps } from './helpers/feed-deps.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';

/**
 * SSRF: feeds are fetched from public addresses only. The feed URL, every redirect and every DNS
 * answer is checked right before connecting; a refusal is the feed's error, code 'blocked-address'.
 * The test server is on 127.0.0.1, so it is refused too unless the feed says allow_private: true
 * (or, for the redirect tests, a guard that treats exactly 127.0.0.1 as public).
 */

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
});

const feed = (name: string, url: string, extra: Partial<FeedConfig> = {}): FeedConfig => ({
  name,
  url,
  language: 'en',
  interval: 30,
  local: false,
  ...extra,
});

describe('which addresses are refused', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '169.254.0.1', '100.64.0.1', '100.100.100.200', '0.0.0.0', '0.1.2.3', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fc00::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe', '[::1]',
  ])('%s is refused', (ip) => {
    expect(blockedReason(ip)).toMatch(/ is |embeds/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.216.34'])(
    '%s is public',
    (ip) => {
      expect(blockedReason(ip)).toBeUndefined();
    },
  );
});

describe('pollOnce records the refusal as the feed’s error', () => {
  it('a feed URL on 127.0.0.1 is refused before any request, with a precise reason', async () => {
    const t = testDeps();
    try {
      const before = server.requests.length;
      const summary = await pollOnce([feed('loopback', server.url('/examples/andes-wire.xml'))], t.deps);
      expect(summary.feeds[0]).toMatchObject({ status: 'error', code: 'blocked-address' });
      expect(summary.feeds[0]).toMatchObject({ error: expect.stringContaining('127.0.0.1 is loopback') });
      expect(server.requests.length).toBe(before);
      expect(await t.store.getHealth('loopback')).toMatchObject({ lastErrorCode: 'blocked-address' });
    } finally {
      await t.cleanup();
    }
  });

  it('a hostname is checked by its DNS answer: localhost is refused', async () => {
    const t = testDeps();
    try {
      const before = server.requests.length;
      const url = server.url('/examples/andes-wire.xml').replace('127.0.0.1', 'localhost');
      const summary = await pollOnce([feed('by-name', url)], t.deps);
      expect(summary.feeds[0]).toMatchObject({ status: 'error', code: 'blocked-address' });
      expect(summary.feeds[0]).toMatchObject({ error: expect.stringMatching(/localhost resolves to (127\.0\.0\.1|::1)/) });
      expect(server.requests.length).toBe(before);
    } finally {
      await t.cleanup();
    }
  });

  it('allow_private: true lets that feed (and only that feed) through', async () => {
    const t = testDeps();
    try {
      const url = server.url('/examples/andes-wire.xml');
      const summary = await pollOnce([feed('allowed', url, { allow_private: true }), feed('not-allowed', `${url}?2`)], t.deps);
      expect(summary.feeds.find((f) => f.feed === 'allowed')).toMatchObject({ status: 'ok' });
      expect(summary.feeds.find((f) => f.feed === 'not-allowed')).toMatchObject({ status: 'error', code: 'blocked-address' });
    } finally {
      await t.cleanup();
    }
  });
});

describe('fetchFeed: DNS answers and redirects', () => {
  const fakeDns: Record<string, string[]> = {
    'internal.example': ['192.168.1.10'],
    'mixed.example': ['93.184.216.34', '10.9.9.9'],
    'metadata.example': ['169.254.169.254'],
  };
  // The test server's own address counts as public here, so a first hop can reach it and redirect.
  const guard: AddressGuard = {
    resolve: async (host) => fakeDns[host] ?? [host],
    blocked: (ip) => (ip === '127.0.0.1' ? undefined : blockedReason(ip)),
  };
  let options: FetchOptions;
  beforeAll(() => {
    options = {
      connectTimeoutMs: 500,
      totalTimeoutMs: 2000,
      maxBytes: 1024 * 1024,
      maxRedirects: 5,
      userAgent: 'briefbot-test',
      dispatcher: createAgent(500, 2000, guard),
    };
  });
  afterAll(async () => {
    await options.dispatcher.close();
  });

  const code = (url: string) =>
    fetchFeed(url, {}, options).then(
      (r) => r.kind,
      (err: unknown) => (err instanceof FeedError ? `${err.code}: ${err.message}` : String(err)),
    );

  it.each(['internal.example', 'mixed.example', 'metadata.example'])(
    'a name whose DNS answer holds a private address (%s) is refused',
    async (host) => {
      expect(await code(`http://${host}/feed.xml`)).toMatch(new RegExp(`^blocked-address: ${host.replace('.', '\\.')} resolves to`));
    },
  );

  const port = () => new URL(server.url('/')).port;
  it.each([
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'http://10.0.0.1/feed.xml',
    () => 'http://0.0.0.0/feed.xml',
    () => 'http://100.100.100.200/latest/meta-data/',
    () => `http://[::1]:${port()}/examples/andes-wire.xml`,
    () => `http://[::ffff:127.0.0.2]:${port()}/examples/andes-wire.xml`,
    () => 'http://internal.example/feed.xml',
  ])('a redirect to an internal address is refused (%#)', async (target) => {
    const to = target();
    expect(await code(server.url(`/redirect?to=${encodeURIComponent(to)}`))).toMatch(/^blocked-address: /);
  });

  it('a redirect to a public address is followed (so the refusals above are the guard’s)', async () => {
    expect(await code(server.url(`/redirect?to=${encodeURIComponent('/examples/andes-wire.xml')}`))).toBe('ok');
  });
});
