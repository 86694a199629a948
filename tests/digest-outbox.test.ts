import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import cron from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import type { Platform } from '../src/core/commands/types.js';
import { DEFAULT_DELIVERY, type DeliverOptions, deliverDue } from '../src/core/digests/deliver.js';
import { DeliveryError, type DigestTarget } from '../src/core/digests/outbox.js';
import { DigestScheduler } from '../src/core/digests/scheduler.js';
import type { SubscriptionSpec } from '../src/core/digests/subscription.js';
import { pollOnce } from '../src/core/feeds/poll.js';
import type { FeedItem } from '../src/core/feeds/types.js';
import type { Reply } from '../src/core/reply.js';
import { createLogger } from '../src/logger.js';
import { SqliteDigestStore } from '../src/store/digests-sqlite.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { testDeps } from './helpers/feed-deps.js';
import { storeItem } from './helpers/store-item.js';

const briefs = new BriefLibrary('briefs');
briefs.load();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A platform that records what it is sent, and can be told to fail. */
class RecordingTarget implements DigestTarget {
  platform: Platform = 'local';
  sent: { channelId: string; page: Reply; key: string }[] = [];
  failures: DeliveryError[] = [];
  landed: boolean[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  renderPages(reply: Reply): unknown[] {
    return [reply];
  }
  async send(channelId: string, page: unknown, key: string, mayHaveLandedSince: Date | undefined) {
    this.landed.push(mayHaveLandedSince !== undefined);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const failure = this.failures.shift();
      if (failure) throw failure;
      this.sent.push({ channelId, page: page as Reply, key });
      return { messageId: `m${this.sent.length}` };
    } finally {
      this.inFlight--;
    }
  }
}

/** The real subscription store, counting reads of the whole list. */
class CountingDigestStore extends SqliteDigestStore {
  listReads = 0;
  override async subscriptions() {
    this.listReads++;
    return super.subscriptions();
  }
}

/** The real store, counting how often digests read their stories. */
class CountingStore extends SqliteStore {
  storyReads = 0;
  override async storiesFor(topics: string[], taggedAfter: Date, until?: Date) {
    this.storyReads++;
    return super.storiesFor(topics, taggedAfter, until);
  }
}

async function setup(now: { t: Date }, onDead?: DeliverOptions['onDead']) {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-digest-'));
  dirs.push(dir);
  const feeds = new CountingStore(join(dir, 'briefbot.db'));
  const store = new CountingDigestStore(feeds.db);
  const target = new RecordingTarget();
  const scheduler = new DigestScheduler({
    store,
    feeds,
    briefs,
    targets: new Map([['local', target]]),
    log: createLogger('silent'),
    now: () => now.t,
    delivery: { ...DEFAULT_DELIVERY, maxAttempts: 3, baseBackoffMs: 1000, ...(onDead ? { onDead } : {}) },
    deliverEveryMs: 60_000,
  });
  const addItem = async (title: string, outlet: string, seen: Date, topic: string, opts: { cluster?: number; published?: Date } = {}) => {
    const item: FeedItem = {
      feed: outlet,
      guid: `${outlet}:${title}`,
      link: `https://${outlet.toLowerCase().replace(/\W/g, '')}.example/${encodeURIComponent(title)}`,
      title,
      summary: `${title}.`,
      outlet,
      language: 'en',
      publishedAt: opts.published ?? seen,
      firstSeenAt: seen,
      dateSource: 'feed',
    };
    const cluster = await storeItem(feeds, item, [{ topic, terms: ['colombia', topic] }], opts.cluster);
    if (cluster === undefined) throw new Error(`${item.guid} was stored already`);
    return cluster;
  };
  return { feeds, store, target, scheduler, addItem, dir };
}

const spec: SubscriptionSpec = {
  platform: 'local',
  channelId: 'C1',
  topics: ['nato-status', 'china-ties'],
  schedule: { time: '08:00', timezone: 'America/Bogota', weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
  cap: 10,
  postWhenEmpty: false,
};

describe('digests through the outbox', () => {
  it('writes a slot once and delivers it once, covering only what came since the last digest', async () => {
    const now = { t: new Date('2026-11-20T12:00:00Z') };
    const { store, target, scheduler, addItem } = await setup(now);
    const sub = await store.subscribe(spec, now.t);
    await addItem('NATO story', 'BBC', new Date('2026-11-22T20:00:00Z'), 'nato-status');
    await addItem('Old story', 'BBC', new Date('2026-11-19T20:00:00Z'), 'nato-status');

    now.t = new Date('2026-11-23T13:00:30Z');
    const slot = new Date('2026-11-23T13:00:00Z');
    await scheduler.runSlot(sub, slot);
    await scheduler.runSlot((await store.subscriptions())[0]!, slot);
    expect(target.sent).toHaveLength(1);
    const digest = target.sent[0]!.page;
    expect(digest.sections.flatMap((s) => s.items.map((i) => i.text))).toEqual(['NATO story']);
    expect(target.sent[0]!.key).toBe(`digest:${sub.id}:2026-11-23T13:00:00.000Z:0`);

    await addItem('China story', 'Reuters', new Date('2026-11-23T20:00:00Z'), 'china-ties');
    now.t = new Date('2026-11-24T13:00:10Z');
    await scheduler.runSlot((await store.subscriptions())[0]!, new Date('2026-11-24T13:00:00Z'));
    expect(target.sent).toHaveLength(2);
    expect(target.sent[1]!.page.sections.flatMap((s) => s.items.map((i) => i.text))).toEqual(['China story']);
    expect((await store.entries('delivered')).map((e) => e.messageIds)).toEqual([['m1'], ['m2']]);
  });

  it('posts nothing (and uses up the slot) when nothing is new', async () => {
    const now = { t: new Date('2026-11-23T13:00:05Z') };
    const { store, target, scheduler } = await setup(now);
    const sub = await store.subscribe(spec, new Date('2026-11-20T00:00:00Z'));
    await scheduler.runSlot(sub, new Date('2026-11-23T13:00:00Z'));
    expect(target.sent).toHaveLength(0);
    expect(await store.entries('delivered')).toHaveLength(1);
  });

  it('catches up a slot missed while down once, however many were missed', async () => {
    const now = { t: new Date('2026-11-10T00:00:00Z') };
    const { store, target, scheduler, addItem } = await setup(now);
    await store.subscribe(spec, now.t);
    await addItem('Too old for a first digest', 'BBC', new Date('2026-11-22T10:00:00Z'), 'china-ties');
    await addItem('Missed story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    now.t = new Date('2026-11-23T18:00:00Z'); // days of slots missed
    await scheduler.catchUp();
    await scheduler.catchUp();
    await scheduler.deliver();
    expect(target.sent).toHaveLength(1);
    expect(target.sent[0]!.page.sections.flatMap((s) => s.items.map((i) => i.text))).toEqual(['Missed story']);
    expect((await store.entries()).map((e) => e.slot.toISOString())).toEqual(['2026-11-23T13:00:00.000Z']);
    await scheduler.stop();
  });

  /** A digest for the 13:00 slot whose first send got a 429 asking for 30 s. */
  const afterA429 = async (now: { t: Date }) => {
    const world = await setup(now);
    const sub = await world.store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await world.addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    world.target.failures.push(new DeliveryError('429 Too Many Requests', true, 30_000));
    await world.scheduler.runSlot(sub, now.t);
    return world;
  };

  it('retries a 429/5xx with backoff, honouring retry-after, then dead-letters after N failures', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const { store, target, scheduler } = await afterA429(now);
    let [entry] = await store.entries('pending');
    expect(entry?.attempts).toBe(1);
    expect(entry?.nextAttemptAt.toISOString()).toBe('2026-11-23T13:00:30.000Z');
    expect(await scheduler.deliver()).toEqual({ delivered: 0, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 }); // not due yet

    now.t = new Date('2026-11-23T13:00:31Z');
    target.failures.push(new DeliveryError('500 Internal Server Error', true));
    await scheduler.deliver();
    [entry] = await store.entries('pending');
    expect(entry?.attempts).toBe(2);

    now.t = new Date('2026-11-23T13:10:00Z');
    target.failures.push(new DeliveryError('503 Service Unavailable', true));
    expect(await scheduler.deliver()).toEqual({ delivered: 0, retrying: 0, dead: 1, cancelled: 0, elsewhere: 0 });
    const dead = await store.entries('dead');
    expect(dead[0]?.lastError).toBe('503 Service Unavailable (after 3 attempts)');
    expect(target.sent).toHaveLength(0);
  });

  it('given a digest waiting after a 429, when the channel unsubscribes, then it is not sent, and shows as cancelled', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const { store, target, scheduler } = await afterA429(now);
    expect(await store.entries('pending')).toHaveLength(1);

    expect(await store.unsubscribe('local', 'C1')).toBe(true);
    now.t = new Date('2026-11-23T13:05:00Z');
    expect(await scheduler.deliver()).toEqual({ delivered: 0, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    expect(target.sent).toEqual([]);
    expect((await store.entries('cancelled')).map((e) => [e.channelId, e.lastError])).toEqual([['C1', 'unsubscribed']]);
  });

  it('given a digest going out, when the channel unsubscribes between its pages, then the rest are not sent and it stays cancelled, never dead', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const told: string[] = [];
    const { store, target, scheduler, addItem } = await setup(now, (_, reason) => told.push(reason));
    target.renderPages = (reply) => [reply, reply, reply];
    const send = target.send.bind(target);
    let calls = 0;
    target.send = async (channelId, page, key, since) => {
      calls++;
      if (calls === 2) {
        // The manager's /digest unsubscribe lands while page 2 is in flight, and the channel is gone.
        await store.unsubscribe('local', 'C1');
        throw new DeliveryError('Unknown Channel', false);
      }
      return send(channelId, page, key, since);
    };
    const sub = await store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    await scheduler.runSlot(sub, now.t);
    expect(target.sent).toHaveLength(1);
    expect(told).toEqual([]);
    expect((await store.entries()).map((e) => [e.state, e.lastError])).toEqual([['cancelled', 'unsubscribed']]);

    // The same between pages that go out fine: page 3 is never sent, and nothing says "delivered".
    const second = await setup(now);
    second.target.renderPages = (reply) => [reply, reply, reply];
    const sendOk = second.target.send.bind(second.target);
    second.target.send = async (channelId, page, key, since) => {
      const sent = await sendOk(channelId, page, key, since);
      if (second.target.sent.length === 2) await second.store.unsubscribe('local', 'C1');
      return sent;
    };
    const again = await second.store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await second.addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    await second.scheduler.runSlot(again, now.t);
    expect(second.target.sent).toHaveLength(2);
    expect((await second.store.entries()).map((e) => e.state)).toEqual(['cancelled']);
  });

  it('given two processes on one store (a rolling deploy’s old and new bot), then a digest one is sending is left to it: every page once', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const a = await setup(now);
    a.target.renderPages = (reply) => [reply, reply, reply];
    a.target.delayMs = 100;
    const sub = await a.store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await a.addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    // The second bot: its own connection to the same file, its own platform client.
    const other = new SqliteDigestStore(new SqliteStore(join(a.dir, 'briefbot.db')).db);
    const otherTarget = new RecordingTarget();
    const running = a.scheduler.runSlot(sub, now.t);
    await new Promise((r) => setTimeout(r, 50));
    expect(await deliverDue(other, new Map([['local', otherTarget]]), { ...DEFAULT_DELIVERY, now: () => now.t })).toEqual({
      delivered: 0,
      retrying: 0,
      dead: 0,
      cancelled: 0,
      elsewhere: 1,
    });
    await running;
    expect(a.target.sent).toHaveLength(3);
    expect(otherTarget.sent).toEqual([]);
    expect((await other.entries()).map((e) => e.state)).toEqual(['delivered']);
  });

  it('given another process told to wait (a 429) after sending page 1, then a pass that read the digest before sends nothing: no page twice, the wait kept', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const a = await setup(now);
    const b = new SqliteDigestStore(new SqliteStore(join(a.dir, 'briefbot.db')).db);
    for (const channelId of ['C0', 'C1']) {
      await a.store.subscribe({ ...spec, channelId }, new Date('2026-11-22T00:00:00Z'));
      const sub = await a.store.subscription({ platform: 'local', channelId });
      await a.store.enqueue({ subscriptionId: sub!.id, slot: now.t, pages: [{ title: `${channelId} p1` }, { title: `${channelId} p2` }], coveredUntil: now.t });
    }
    // Bot A reads both digests, then spends a while on C0's.
    a.target.delayMs = 200;
    const passA = deliverDue(a.store, new Map([['local', a.target]]), { ...DEFAULT_DELIVERY, channelConcurrency: 1, now: () => now.t });
    await new Promise((r) => setTimeout(r, 50));
    // Meanwhile bot B sends C1's page 1; page 2 gets a 429 asking for a minute.
    const bTarget = new RecordingTarget();
    bTarget.failures = [undefined as unknown as DeliveryError, new DeliveryError('429 Too Many Requests', true, 60_000, true)];
    const onlyC1 = (await b.due(now.t, 10)).filter((e) => e.channelId === 'C1');
    expect(onlyC1).toHaveLength(1);
    expect(await deliverDue(b, new Map([['local', bTarget]]), { ...DEFAULT_DELIVERY, channelConcurrency: 1, now: () => now.t })).toMatchObject({ retrying: 1 });
    expect(await passA).toMatchObject({ delivered: 1, elsewhere: 1 });
    const sent = [...a.target.sent, ...bTarget.sent].map((p) => (p.page as { title: string }).title).sort();
    // C1's page 1 once (by B); C1's page 2 waits for its minute.
    expect(sent).toEqual(['C0 p1', 'C0 p2', 'C1 p1']);
  });

  it('given a digest claimed by a process that was killed, then the next one sends it at once on this host, and once the claim runs out from another', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const { store, target, feeds } = await setup(now);
    const sub = await store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    const claimed = async (slot: Date, holder: string) => {
      const entry = await store.enqueue({ subscriptionId: sub.id, slot, pages: [{ title: slot.toISOString() }], coveredUntil: slot });
      feeds.db.prepare('UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?').run(holder, now.t.getTime() + 2 * 60_000, entry!.id);
    };
    const deliver = () => deliverDue(store, new Map([['local', target]]), { ...DEFAULT_DELIVERY, now: () => now.t });
    // This host's process that is gone (no such pid): free at once.
    await claimed(new Date('2026-11-23T11:00:00Z'), `${hostname()}:2147483646:dead`);
    expect(await deliver()).toMatchObject({ delivered: 1, elsewhere: 0 });
    // A previous run with this very pid (a container's node is pid 1 every time): free at once too.
    await claimed(new Date('2026-11-23T12:00:00Z'), `${hostname()}:${process.pid}:lastrun`);
    expect(await deliver()).toMatchObject({ delivered: 1, elsewhere: 0 });
    // Another host's process, perhaps sending it: left alone until its claim runs out.
    await claimed(new Date('2026-11-23T13:00:00Z'), 'another-host:1234:abcd');
    expect(await deliver()).toMatchObject({ delivered: 0, elsewhere: 1 });
    now.t = new Date(now.t.getTime() + 3 * 60_000);
    expect(await deliver()).toMatchObject({ delivered: 1, elsewhere: 0 });
    expect(target.sent.map((p) => p.page.title)).toEqual(['2026-11-23T11:00:00.000Z', '2026-11-23T12:00:00.000Z', '2026-11-23T13:00:00.000Z']);
  });

  it('dead-letters at once what cannot succeed (unknown channel), and says so once', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const told: [string, string, string][] = [];
    const { store, target, scheduler, addItem } = await setup(now, (entry, reason) => told.push([entry.channelId, entry.slot.toISOString(), reason]));
    const sub = await store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    target.failures.push(new DeliveryError('Unknown Channel', false));
    await scheduler.runSlot(sub, now.t);
    expect((await store.entries('dead'))[0]?.lastError).toBe('Unknown Channel (after 1 attempt)');
    await scheduler.deliver();
    expect(told).toEqual([[sub.channelId, '2026-11-23T13:00:00.000Z', 'Unknown Channel (after 1 attempt)']]);
  });

  it('tells the target when a page may already have landed (an earlier attempt went unanswered)', async () => {
    const now = { t: new Date('2026-11-23T13:00:00Z') };
    const { store, target, scheduler, addItem } = await setup(now);
    const sub = await store.subscribe(spec, new Date('2026-11-22T00:00:00Z'));
    await addItem('Story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'china-ties');
    target.failures.push(new DeliveryError('socket hang up', true));
    await scheduler.runSlot(sub, now.t);
    now.t = new Date('2026-11-23T14:00:00Z');
    await scheduler.deliver();
    expect(target.landed).toEqual([false, true]);
    expect(target.sent).toHaveLength(1);
  });

  it('given many channels with the same settings due at one slot, then their digest is composed once; another slot composes afresh', async () => {
    const now = { t: new Date('2026-11-20T12:00:00Z') };
    const { feeds, store, target, scheduler, addItem } = await setup(now);
    const subs = [];
    for (const channelId of ['C1', 'C2', 'C3']) subs.push(await store.subscribe({ ...spec, channelId }, now.t));
    subs.push(await store.subscribe({ ...spec, channelId: 'C4', topics: ['nato-status'] }, now.t));
    await addItem('NATO story', 'BBC', new Date('2026-11-22T20:00:00Z'), 'nato-status');
    now.t = new Date('2026-11-23T13:00:30Z');
    for (const sub of subs) await scheduler.runSlot(sub, new Date('2026-11-23T13:00:00Z'));
    const texts = (channelId: string) =>
      target.sent.filter((s) => s.channelId === channelId).map((s) => s.page.sections.flatMap((x) => x.items.map((i) => i.text)));
    for (const c of ['C1', 'C2', 'C3', 'C4']) expect(texts(c)).toEqual([['NATO story']]);
    // One read for the three channels on nato-status + china-ties, one for the channel on nato-status.
    expect(feeds.storyReads).toBe(2);

    await addItem('China story', 'Reuters', new Date('2026-11-23T20:00:00Z'), 'china-ties');
    now.t = new Date('2026-11-24T13:00:10Z');
    const [c1, c2] = await store.subscriptions();
    await scheduler.runSlot(c1!, new Date('2026-11-24T13:00:00Z'));
    expect(texts('C1')).toEqual([['NATO story'], ['China story']]);
    expect(feeds.storyReads).toBe(3);
    // C2 covers the same time as C1 did, but up to a later slot (`/digest now`): it reads afresh.
    await addItem('Late story', 'AP', new Date('2026-11-24T13:20:00Z'), 'nato-status');
    now.t = new Date('2026-11-24T13:40:00Z');
    await scheduler.runSlot(c2!, now.t);
    expect(texts('C2')).toEqual([['NATO story'], ['Late story', 'China story']]);
  });

  /** The scheduler's node-cron task, run as node-cron runs it at the top of a minute. */
  const tick = async () => {
    const task = [...cron.getTasks().values()].find((t) => t.name === 'digest-slots');
    if (!task) throw new Error('no digest-slots task');
    await task.execute();
  };

  /** The scheduler started over one NATO story seen at `seen` and the channels `subscribe` makes; stopped after `test`. */
  const running = async (
    now: { t: Date },
    seen: Date,
    subscribe: (store: CountingDigestStore) => Promise<unknown>,
    test: (world: Awaited<ReturnType<typeof setup>>) => Promise<void>,
  ) => {
    const world = await setup(now);
    await world.addItem('NATO story', 'BBC', seen, 'nato-status');
    await subscribe(world.store);
    await world.scheduler.start();
    try {
      await test(world);
    } finally {
      await world.scheduler.stop();
    }
  };

  it('given 200 channels due at one slot, when the minute’s tick runs, then each gets its digest once, from one read of the subscriptions', async () => {
    const now = { t: new Date('2026-11-20T12:00:00Z') };
    const channels = Array.from({ length: 200 }, (_, i) => `C${i}`);
    const subscribeAll = async (store: CountingDigestStore) => {
      for (const channelId of channels) await store.subscribe({ ...spec, channelId }, now.t);
    };
    await running(now, new Date('2026-11-23T10:00:00Z'), subscribeAll, async ({ store, target }) => {
      const reads = store.listReads;
      now.t = new Date('2026-11-23T13:00:05Z');
      await tick();
      expect(target.sent.map((s) => s.channelId).sort()).toEqual([...channels].sort());
      expect(store.listReads).toBe(reads + 1);
      // The next minute finds nothing due.
      now.t = new Date('2026-11-23T13:01:05Z');
      await tick();
      expect(target.sent).toHaveLength(200);
    });
  });

  it('given a channel subscribing a moment before the others’ slot, then every channel still gets that slot (recreating timers lost it for all)', async () => {
    const now = { t: new Date('2026-11-22T12:00:00Z') };
    const subscribe50 = async (store: CountingDigestStore) => {
      for (let i = 0; i < 50; i++) await store.subscribe({ ...spec, channelId: `C${i}` }, now.t);
    };
    await running(now, new Date('2026-11-23T10:00:00Z'), subscribe50, async ({ store, target }) => {
      now.t = new Date('2026-11-23T12:59:59.996Z');
      await store.subscribe({ ...spec, channelId: 'LATE' }, now.t);
      now.t = new Date('2026-11-23T13:00:01Z');
      await tick();
      expect(new Set(target.sent.map((s) => s.channelId)).size).toBe(51);
      expect(target.sent.map((s) => s.channelId)).toContain('LATE');
    });
  });

  it('given 02:30 New York on the night clocks skip it, then the digest comes at 03:30 (node-cron never fired it)', async () => {
    const now = { t: new Date('2026-03-07T12:00:00Z') };
    const newYork = (store: CountingDigestStore) => store.subscribe({ ...spec, schedule: { ...spec.schedule, time: '02:30', timezone: 'America/New_York' } }, now.t);
    await running(now, new Date('2026-03-08T05:00:00Z'), newYork, async ({ target }) => {
      now.t = new Date('2026-03-08T07:29:05Z');
      await tick();
      expect(target.sent).toEqual([]);
      now.t = new Date('2026-03-08T07:30:05Z');
      await tick();
      expect(target.sent.map((s) => s.page.title)).toEqual(['Digest for Sunday, 8 March 2026']);
    });
  });

  it('serves several channels at once, each channel in slot order', async () => {
    const now = { t: new Date('2026-11-20T00:00:00Z') };
    const { store, target, scheduler, addItem } = await setup(now);
    await addItem('Story', 'BBC', new Date('2026-11-22T10:00:00Z'), 'china-ties');
    const subs = [];
    for (const channelId of ['C1', 'C2', 'C3']) subs.push(await store.subscribe({ ...spec, channelId, postWhenEmpty: true }, now.t));
    now.t = new Date('2026-11-24T20:00:00Z');
    target.delayMs = 30;
    // Two slots per channel written while delivery was held back, then one pass.
    for (const sub of subs) {
      await store.enqueue({ subscriptionId: sub.id, slot: new Date('2026-11-23T13:00:00Z'), pages: [{ title: `${sub.channelId} day 1` }], coveredUntil: new Date('2026-11-23T13:00:00Z') });
      await store.enqueue({ subscriptionId: sub.id, slot: new Date('2026-11-24T13:00:00Z'), pages: [{ title: `${sub.channelId} day 2` }], coveredUntil: new Date('2026-11-24T13:00:00Z') });
    }
    expect(await scheduler.deliver()).toEqual({ delivered: 6, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    expect(target.maxInFlight).toBe(3);
    for (const c of ['C1', 'C2', 'C3']) {
      expect(target.sent.filter((s) => s.channelId === c).map((s) => s.page.title)).toEqual([`${c} day 1`, `${c} day 2`]);
    }
  });

  it('given a story first seen before a digest, then a later outlet with an earlier date does not bring it back', async () => {
    const now = { t: new Date('2026-11-22T12:00:00Z') };
    const { store, target, scheduler, addItem } = await setup(now);
    const sub = await store.subscribe(spec, now.t);
    const story = await addItem('NATO story', 'BBC', new Date('2026-11-23T10:00:00Z'), 'nato-status');
    now.t = new Date('2026-11-23T13:00:05Z');
    await scheduler.runSlot(sub, new Date('2026-11-23T13:00:00Z'));
    // A feed polled late (it was failing) tells the same story, dated before the first outlet's item.
    await addItem('NATO story, retold', 'AFP', new Date('2026-11-23T20:00:00Z'), 'nato-status', {
      cluster: story,
      published: new Date('2026-11-23T09:00:00Z'),
    });
    await addItem('China story', 'Reuters', new Date('2026-11-23T21:00:00Z'), 'china-ties');
    now.t = new Date('2026-11-24T13:00:05Z');
    await scheduler.runSlot((await store.subscriptions())[0]!, new Date('2026-11-24T13:00:00Z'));
    const digests = target.sent.map((s) => s.page.sections.flatMap((x) => x.items.map((i) => i.text)));
    expect(digests).toEqual([['NATO story'], ['China story']]);
  });

  it('given a poll that fetched before a digest slot and stored after it, then its story is in the next digest', async () => {
    const now = { t: new Date('2026-11-22T12:00:00Z') };
    const { feeds, store, target, scheduler, dir } = await setup(now);
    const sub = await store.subscribe(spec, now.t);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
        `<rss version="2.0"><channel><title>Wire</title><item><title>Colombia leaves NATO partnership, Petro says</title>
         <link>https://wire.example/nato</link><guid>wire-nato</guid><pubDate>Mon, 23 Nov 2026 12:30:00 GMT</pubDate></item></channel></rss>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`;
    // The poller's own connection to the same database, held before the store step (where a feed
    // waits its turn behind others) until the test opens it.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let waiting = false;
    class StalledStore extends SqliteStore {
      override async clusterMembers(since: Date) {
        waiting = true;
        await gate;
        return super.clusterMembers(since);
      }
    }
    const poller = new StalledStore(join(dir, 'briefbot.db'));
    const t = testDeps();
    try {
      now.t = new Date('2026-11-23T12:59:50Z');
      const feed = { name: 'wire', url, language: 'en', interval: 30, local: false, allow_private: true };
      const cycle = pollOnce([feed], { ...t.deps, store: poller, now: () => now.t });
      await expect.poll(() => waiting, { timeout: 5000 }).toBe(true);
      // 08:00 in Bogotá: the digest is composed while the fetched item still waits to be stored.
      now.t = new Date('2026-11-23T13:00:30Z');
      await scheduler.runSlot(sub, new Date('2026-11-23T13:00:00Z'));
      expect(target.sent).toHaveLength(0);
      open();
      expect((await cycle).newItems).toBe(1);
      now.t = new Date('2026-11-24T13:00:10Z');
      await scheduler.runSlot((await store.subscriptions())[0]!, new Date('2026-11-24T13:00:00Z'));
      expect(target.sent.map((s) => s.page.sections.flatMap((x) => x.items.map((i) => i.text)))).toEqual([
        ['Colombia leaves NATO partnership, Petro says'],
      ]);
      expect((await feeds.clusters(new Date(0)))[0]?.firstSeenAt.toISOString()).toBe('2026-11-23T13:00:30.000Z');
    } finally {
      await poller.close();
      await t.cleanup();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
