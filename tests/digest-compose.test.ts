import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { composeDigest } from '../src/core/digests/compose.js';
import type { Subscription } from '../src/core/digests/subscription.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { seeded } from './helpers/seeded.js';
import { storeItem } from './helpers/store-item.js';

const dir = mkdtempSync(join(tmpdir(), 'briefbot-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const briefs = new BriefLibrary('briefs');
briefs.load();

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 0, 10);
const TOPICS = ['nato-status', 'china-ties', 'decertification'];
const MAX_AGE = 48 * HOUR;

describe('composeDigest reads its topics through store.storiesFor', () => {
  it('gives the digest that the whole window (store.clusters) gave, over seeded random stores', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seeded(seed);
      const store = new SqliteStore(join(dir, `compose-${seed}.db`));
      const clusterOf = new Map<number, number>();
      for (let i = 0; i < 150; i++) {
        const story = rand(60);
        const seen = T0 - rand(120) * HOUR;
        const stored = await storeItem(
          store,
          {
            feed: `f${rand(4)}`,
            guid: `g${i}`,
            link: rand(5) === 0 ? undefined : `https://example.org/${i}`,
            title: `story ${story} item ${i}`,
            summary: `Summary ${i}.`,
            outlet: `Outlet ${rand(5)}`,
            language: 'en',
            // Published up to a week before its first sighting, or up to a day after (a future date within tolerance).
            publishedAt: new Date(seen - (rand(200) - 24) * HOUR),
            firstSeenAt: new Date(seen),
            dateSource: 'feed',
          },
          TOPICS.filter(() => rand(3) === 0).map((topic) => ({ topic, terms: [topic] })),
          clusterOf.get(story),
        );
        if (stored !== undefined) clusterOf.set(story, stored);
      }
      // Before storiesFor, a digest read every story with an item published in its window.
      const wholeWindow = { storiesFor: (_: string[], after: Date) => store.clusters(new Date(after.getTime() - MAX_AGE)) };
      for (let k = 0; k < 8; k++) {
        const sub: Subscription = {
          id: k,
          platform: 'slack',
          channelId: `C${k}`,
          topics: TOPICS.filter(() => rand(2) === 0).concat(TOPICS[rand(3)] as string),
          schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] },
          cap: 1 + rand(20),
          postWhenEmpty: false,
          createdAt: new Date(T0 - 200 * HOUR),
          coveredUntil: rand(4) === 0 ? undefined : new Date(T0 - rand(100) * HOUR),
        };
        sub.topics = [...new Set(sub.topics)];
        const slot = new Date(T0 - rand(20) * HOUR);
        const digest = await composeDigest(sub, slot, store, briefs, MAX_AGE, true);
        expect(digest, `seed ${seed}, subscription ${k}`).toEqual(await composeDigest(sub, slot, wholeWindow, briefs, MAX_AGE, true));
        if (digest.reply) expect(digest.reply.sections.length).toBeGreaterThan(0);
      }
      await store.close();
    }
  });
});
