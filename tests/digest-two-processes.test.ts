import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { composeDigest } from '../src/core/digests/compose.js';
import type { Subscription } from '../src/core/digests/subscription.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { exited, sleep } from './helpers/bot-process.js';

/**
 * Two processes on one store: the bot composing a digest, and a poll storing items beside it (a
 * `briefbot poll --once`, or a second bot for the other platform). A digest covers the stories
 * first seen up to its slot, the next one those after: an item stamped before a slot but committed
 * after that slot's digest read the store would be in neither. Each test is a second connection to
 * a real SQLite file, caught at the dangerous moment: the first two in a real second process.
 */

const dir = mkdtempSync(join(tmpdir(), 'briefbot-two-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const briefs = new BriefLibrary('briefs');
briefs.load();
const HOUR = 3600_000;

function storeInChild(file: string, title: string, holdMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/store-in-child.ts', file, title, String(holdMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const said = async (word: string) => {
    const deadline = Date.now() + 20_000;
    while (!out.split('\n').some((l) => l.startsWith(word))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the child never said "${word}": ${out}`);
      await sleep(5);
    }
  };
  return { child, said, output: () => out };
}

const subscription = (coveredUntil: Date): Subscription => ({
  id: 1,
  platform: 'slack',
  channelId: 'C1',
  topics: ['nato-status'],
  schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] },
  cap: 10,
  postWhenEmpty: false,
  createdAt: new Date(coveredUntil.getTime() - HOUR),
  coveredUntil,
});

/** How many times a digest (all the text its reader sees) tells the story titled `title`. */
const times = (d: Awaited<ReturnType<typeof composeDigest>>, title: string) => JSON.stringify(d.reply ?? '').split(title).length - 1;

/** The digest for `slot`, the first after an hour without one. */
const digestAt = (store: SqliteStore, slot: Date) => composeDigest(subscription(new Date(slot.getTime() - HOUR)), slot, store, briefs);

/** Once the other process has stored: when it stamped its item, and the digest of the slot after `slot`. */
async function afterOther(other: ReturnType<typeof storeInChild>, store: SqliteStore, slot: Date) {
  expect(await exited(other.child)).toBe(0);
  const stamped = Number(/stored (\d+)/.exec(other.output())?.[1]);
  return { stamped, next: await composeDigest(subscription(slot), new Date(), store, briefs) };
}

describe('a digest and a poll in another process', () => {
  it('the poll holds the write lock, its item stamped, when the slot comes: the item is in that slot’s digest, once', async () => {
    const file = join(dir, 'held-by-poll.db');
    const store = new SqliteStore(file);
    const title = 'Colombia and NATO sign a maritime accord';
    const other = storeInChild(file, title, 1500);
    await other.said('inside');
    const slot1 = new Date();
    // The digest for slot1 reads while the other process is inside its transaction.
    const first = await digestAt(store, slot1);
    const { stamped, next } = await afterOther(other, store, slot1);
    expect(stamped).toBeLessThanOrEqual(slot1.getTime());
    expect(times(first, title)).toBe(1);
    expect(times(next, title)).toBe(0);
    await store.close();
  }, 30_000);

  it('the bot holds the write lock when the poll asks for it: the item is stamped after, and is in the next digest, once', async () => {
    const file = join(dir, 'held-by-bot.db');
    const store = new SqliteStore(file);
    const title = 'Petro names a new ambassador to Beijing and NATO';
    // The bot writing (its outbox, say) when the other process comes to store.
    store.db.exec('BEGIN IMMEDIATE');
    const other = storeInChild(file, title, 0);
    await other.said('storing');
    await sleep(500);
    const slot1 = new Date();
    const first = await digestAt(store, slot1);
    store.db.exec('COMMIT');
    const { stamped, next } = await afterOther(other, store, slot1);
    expect(stamped).toBeGreaterThan(slot1.getTime());
    expect(times(first, title)).toBe(0);
    expect(times(next, title)).toBe(1);
    await store.close();
  }, 30_000);

  it('the poll takes the write lock the moment the digest lets it go, in the slot’s millisecond: each item is in the next digest, once', async () => {
    const file = join(dir, 'same-millisecond.db');
    const store = new SqliteStore(file);
    // The poll's own connection, as another process has; no process switch between the two, so the
    // poll stores within microseconds of the digest's read, as `/digest now` and a poll can.
    const poll = new SqliteStore(file);
    const titles = Array.from({ length: 20 }, (_, i) => `Colombia and NATO: round ${i} of talks on a maritime accord`);
    const seen: { title: string; stamped: number; slot: number; first: number; next: number }[] = [];
    for (const title of titles) {
      let stamped = 0;
      const pollRightAfter: Pick<SqliteStore, 'storiesFor'> = {
        storiesFor: async (...args) => {
          const stories = await store.storiesFor(...args);
          await poll.storeItems(
            [{ ...anItem(title), firstSeenAt: new Date(0), tags: [{ topic: 'nato-status', terms: ['otan'] }] }],
            () => undefined,
            (s) => {
              stamped = s.item.firstSeenAt.getTime();
            },
            () => new Date(),
          );
          return stories;
        },
      };
      const slot = new Date();
      const first = await composeDigest(subscription(new Date(slot.getTime() - HOUR)), slot, pollRightAfter, briefs);
      const next = await composeDigest(subscription(slot), new Date(slot.getTime() + HOUR), store, briefs);
      seen.push({ title, stamped, slot: slot.getTime(), first: times(first, title), next: times(next, title) });
    }
    // Without the digest holding its lock past the slot, most of these were stamped at the slot
    // itself: after the read, so not in the first digest, and not after the slot, so not in the next.
    expect(seen.filter((s) => s.first + s.next !== 1)).toEqual([]);
    expect(seen.every((s) => s.stamped > s.slot && s.next === 1)).toBe(true);
    await poll.close();
    await store.close();
  }, 30_000);
});

/** A tagged item as a poll stores it, first seen when stored. */
function anItem(title: string) {
  return {
    feed: 'other-connection',
    guid: title,
    link: `https://example.org/${encodeURIComponent(title)}`,
    title,
    summary: 'What was agreed, and by whom.',
    outlet: 'Other Connection Wire',
    language: 'en',
    publishedAt: new Date(),
    firstSeenAt: new Date(),
    dateSource: 'first-seen' as const,
  };
}
