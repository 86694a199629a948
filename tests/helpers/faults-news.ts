import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Core, createCore, type Running, runBot } from '../../src/app.js';
import { type Config, loadConfig, secretsOf } from '../../src/config.js';
import type { Platform } from '../../src/core/commands/types.js';
import type { DigestTarget, OutboxEntry } from '../../src/core/digests/outbox.js';
import { pageKey } from '../../src/core/digests/deliver.js';
import type { Reply } from '../../src/core/reply.js';
import { createLogger } from '../../src/logger.js';
import { type News, openNews } from '../../src/news.js';
import type { PlatformAdapter, PlatformDeps } from '../../src/platforms/types.js';
import { LogSink } from '../fakes/slack-harness.js';

/**
 * The bot in this process — runBot, a real platform adapter, and the news job as `briefbot start`
 * wires it — with a clock the test moves, so outbox retries and backoff run in milliseconds.
 * Digests are enqueued straight into the outbox (a known, multi-page payload) and delivered by the
 * scheduler's own delivery pass through the adapter's digest target.
 */

export interface NewsBot {
  config: Config;
  core: Core;
  logs: LogSink;
  running: Running;
  news: News;
  target: DigestTarget;
  dataDir: string;
  /** Move the bot's clock forward (the outbox's next attempts become due). */
  advance(ms: number): void;
  /** Subscribe `channelId`, write a digest of `reply` for a fresh slot, return its outbox entry. */
  enqueue(channelId: string, reply: Reply): Promise<OutboxEntry>;
  /** The outbox table as stored. */
  outbox(): {
    id: number;
    slot: number;
    state: string;
    attempts: number;
    message_ids: string;
    last_error: string | null;
    next_attempt_at: number;
  }[];
  stop(): Promise<void>;
}

export async function startNewsBot(
  platform: Platform,
  env: NodeJS.ProcessEnv,
  makeAdapter: (config: Config, deps: PlatformDeps) => PlatformAdapter,
): Promise<NewsBot> {
  const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-chat-faults-'));
  const config = loadConfig({ ...env, DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
  const logs = new LogSink();
  const logger = createLogger(config.LOG_LEVEL, secretsOf(config), logs);
  const core = createCore(config, logger);
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  let news: News | undefined;
  let adapter: PlatformAdapter | undefined;
  const running = await runBot(
    config,
    core,
    (deps) => {
      adapter = makeAdapter(config, deps);
      return [adapter];
    },
    (platforms) => {
      const targets = new Map(
        platforms.flatMap((p) => (p.digestTarget ? [[p.name, p.digestTarget] as const] : [])),
      );
      const opened = openNews({ dataDir, feeds: [], briefs: core.briefs, targets, logger, now });
      news = opened.news;
      core.context.digests = opened.news?.digests;
      return [opened.service];
    },
  );
  if (!news || !adapter?.digestTarget) throw new Error('news job or digest target missing');
  const n = news;
  const target = adapter.digestTarget;
  let slots = 0;
  return {
    config,
    core,
    logs,
    running,
    news: n,
    target,
    dataDir,
    advance: (ms) => {
      offset += ms;
    },
    async enqueue(channelId, reply) {
      const sub = await n.digestStore.subscribe(
        {
          platform,
          channelId,
          topics: ['nato-status'],
          schedule: {
            time: '08:00',
            timezone: 'America/Bogota',
            weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          },
          cap: 10,
          postWhenEmpty: false,
        },
        now(),
      );
      // A slot in the past, one minute apart per digest, so it is due at once.
      const slot = new Date(Date.UTC(2026, 0, 1, 13, ++slots));
      const entry = await n.digestStore.enqueue({
        subscriptionId: sub.id,
        slot,
        pages: target.renderPages(reply),
        coveredUntil: slot,
      });
      if (!entry) throw new Error('slot already written');
      return entry;
    },
    outbox() {
      const db = new Database(join(dataDir, 'briefbot.db'), { readonly: true });
      try {
        return db
          .prepare(
            'SELECT id, slot, state, attempts, message_ids, last_error, next_attempt_at FROM outbox ORDER BY slot',
          )
          .all() as ReturnType<NewsBot['outbox']>;
      } finally {
        db.close();
      }
    },
    async stop() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every page key of an entry, as the targets send them. */
export const keysOf = (entry: OutboxEntry) => entry.pages.map((_, i) => pageKey(entry, i));

/** A digest long enough to need `pages` messages on either platform. */
export function longDigest(stories: number): Reply {
  return {
    title: 'Digest for the fault tests',
    status: `${stories} stories`,
    sections: [
      {
        key: 'nato-status',
        heading: 'Colombia and NATO',
        style: 'list',
        items: Array.from({ length: stories }, (_, i) => ({
          text: `Story ${i}: ${'a long headline about Colombia and its partners that goes on '.repeat(4)}`,
          url: `https://example.org/story/${i}`,
          detail: `Outlet ${i % 5} · 08:${String(i % 60).padStart(2, '0')}`,
        })),
      },
    ],
    footer: 'Background briefs: /nato-status',
    ephemeral: false,
    tone: 'info',
  };
}
