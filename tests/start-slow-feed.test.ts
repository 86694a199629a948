import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botFixture, kill, readyz, slash, spawnBot, until } from './helpers/bot-process.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';

/**
 * The first feed poll runs as long as its slowest feed (the fetch limit is 30 s). The real bot
 * process, with one feed whose server sends the start of a document and then nothing.
 */
const fx = botFixture();
let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());

describe('a feed that stalls during the first poll', () => {
  it('does not hold readiness: the bot is ready within 20 s, says the first poll is still running, answers, and stops cleanly', async () => {
    const d = await fx.deploy();
    const feeds = [
      { name: 'sample', url: pathToFileURL(resolve('examples/feeds/andes-wire.xml')).href, local: true, language: 'en' },
      { name: 'stalled', url: server.url('/slow'), language: 'en', allow_private: true },
    ];
    writeFileSync(d.env.FEEDS_FILE as string, JSON.stringify({ feeds }));
    // startBot waits at most 20 s for /readyz 200: the stalled feed alone holds the poll for 30 s.
    const bot = await fx.start(d);
    const ready = await readyz(d.port);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'degraded', reasons: ['news: first feed poll still running; digests start after it'] });
    expect(server.requests.some((r) => r.path === '/slow')).toBe(true);
    expect(await slash(fx.fake, d.port, '/nato-status', '')).toContain('NATO');

    expect(await kill(bot, 'SIGTERM')).toBe(0);
    expect(bot.logs('stopped')).toHaveLength(1);
    // The shutdown closed the store under the running poll: that is no fault to report.
    expect(bot.logs('digests')).toEqual([]);
    expect(bot.output()).not.toMatch(/"level":50/);
  }, 60_000);
});

describe('a platform API that accepts connections and never answers', () => {
  it('a SIGTERM during start-up ends the process within the grace period (it hung until a second signal)', async () => {
    const d = await fx.deploy();
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const bot = spawnBot({ ...d, env: { ...d.env, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, SHUTDOWN_GRACE_MS: '1000' } });
      // Up to the HTTP server, waiting on auth.test.
      expect(await until(() => bot.logs('http server listening').length > 0, 15_000)).toBe(true);
      const started = Date.now();
      expect(await kill(bot, 'SIGTERM')).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(bot.logs('shutdown did not finish within SHUTDOWN_GRACE_MS: exiting')).toHaveLength(1);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 60_000);
});
