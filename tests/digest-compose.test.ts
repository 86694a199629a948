import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { composeDigest } from '../src/core/digests/compose.js';
import type { Subscription } from '../src/core/digests/subscription.js';
import type { FeedItem } from '../src/core/feeds/types.js';
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
      const reports = Array.from({ length: 150 }, (_, i) => {
        const story = rand(60);
        const seen = T0 - rand(120) * HOUR;
        const item: FeedItem = {
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
        };
        return { story, item, tags: TOPICS.filter(() => rand(3) === 0).map((topic) => ({ topic, terms: [topic] })) };
      });
      // Stored in the order first seen, as polls store them (each stamps its items under the write lock).
      for (const { story, item, tags } of reports.sort((a, b) => a.item.firstSeenAt.getTime() - b.item.firstSeenAt.getTime())) {
        const stored = await storeItem(store, item, tags, clusterOf.get(story));
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

/** A channel following `topics`, its last digest at `coveredUntil`. */
const subscription = (topics: string[], coveredUntil: number, cap = 10): Subscription => ({
  id: 1,
  platform: 'slack',
  channelId: 'C1',
  topics,
  schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] },
  cap,
  postWhenEmpty: false,
  createdAt: new Date(T0 - 200 * HOUR),
  coveredUntil: new Date(coveredUntil),
});

describe('a story reaches a channel when its first item on the channel’s topics does', () => {
  const item = (guid: string, title: string, outlet: string, seen: number) => ({
    feed: outlet.toLowerCase().replace(/\W+/g, '-'),
    guid,
    link: `https://${guid}.example/story`,
    title,
    summary: `${title}.`,
    outlet,
    language: 'en',
    publishedAt: new Date(seen - HOUR),
    firstSeenAt: new Date(seen),
    dateSource: 'feed' as const,
  });
  const told = (d: Awaited<ReturnType<typeof composeDigest>>, outlet: string) => JSON.stringify(d.reply ?? '').includes(outlet);

  it('an untagged report, then one tagged for the topic joins its story: the story is in the digest after the second, once', async () => {
    const store = new SqliteStore(join(dir, 'joined-later.db'));
    const title = 'Petro meets Xi in Beijing on trade and the Belt and Road';
    // The first outlet's report matches no topic's rules (say it never names Colombia).
    const story = await storeItem(store, item('first', title, 'First Wire', T0 - 3 * HOUR), []);
    const early = await composeDigest(subscription(['china-ties'], T0 - 4 * HOUR), new Date(T0 - 2 * HOUR), store, briefs);
    expect(early.reply).toBeUndefined();
    // A second outlet tells the same story, tagged, after that digest.
    await storeItem(store, item('second', title, 'Second Paper', T0 - HOUR), [{ topic: 'china-ties', terms: ['china'] }], story);
    const next = await composeDigest(subscription(['china-ties'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(next.reply?.status).toBe('1 story since the last digest');
    expect(told(next, 'Second Paper') && told(next, 'First Wire')).toBe(true);
    const after = await composeDigest(subscription(['china-ties'], T0), new Date(T0 + HOUR), store, briefs);
    expect(after.reply).toBeUndefined();
    await store.close();
  });

  it('a story told on one topic gains an item on another: a channel following only the other gets it then, and one following the first is not told again', async () => {
    const store = new SqliteStore(join(dir, 'second-topic.db'));
    const title = 'Bogotá weighs NATO partnership as Beijing courts Petro';
    const story = await storeItem(store, item('nato', title, 'Alliance Daily', T0 - 3 * HOUR), [{ topic: 'nato-status', terms: ['otan'] }]);
    const natoFirst = await composeDigest(subscription(['nato-status'], T0 - 4 * HOUR), new Date(T0 - 2 * HOUR), store, briefs);
    expect(natoFirst.reply?.status).toBe('1 story since the last digest');
    await storeItem(store, item('china', title, 'Pacific Review', T0 - HOUR), [{ topic: 'china-ties', terms: ['china'] }], story);
    const china = await composeDigest(subscription(['china-ties'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(china.reply?.status).toBe('1 story since the last digest');
    const natoAgain = await composeDigest(subscription(['nato-status'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(natoAgain.reply).toBeUndefined();
    const both = await composeDigest(subscription(['nato-status', 'china-ties'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(both.reply).toBeUndefined();
    await store.close();
  });

  it('a tagged report without a link, then a linked one joins its story: the story is in the digest after the link came, once', async () => {
    const store = new SqliteStore(join(dir, 'linked-later.db'));
    const title = 'Colombia and the US review the certification decision';
    const story = await storeItem(store, { ...item('bare', title, 'Linkless Gazette', T0 - 3 * HOUR), link: undefined }, [
      { topic: 'decertification', terms: ['certification'] },
    ]);
    // Nothing to link to yet: a digest cannot show the story.
    const early = await composeDigest(subscription(['decertification'], T0 - 4 * HOUR), new Date(T0 - 2 * HOUR), store, briefs);
    expect(early.reply).toBeUndefined();
    // Another outlet's report, matching no topic, brings the story its link.
    await storeItem(store, item('linked', title, 'Linked Herald', T0 - HOUR), [], story);
    const next = await composeDigest(subscription(['decertification'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(next.reply?.status).toBe('1 story since the last digest');
    expect(JSON.stringify(next.reply)).toContain('https://linked.example/story');
    const after = await composeDigest(subscription(['decertification'], T0), new Date(T0 + HOUR), store, briefs);
    expect(after.reply).toBeUndefined();
    await store.close();
  });
});

describe('a channel that asked for a digest even when nothing is new', () => {
  it('gets one dated like the others, naming its topics by their briefs’ titles', async () => {
    const store = new SqliteStore(join(dir, 'empty-digest.db'));
    const digest = await composeDigest({ ...subscription(['nato-status', 'china-ties'], T0 - 24 * HOUR), postWhenEmpty: true }, new Date(T0), store, briefs);
    const titles = ['nato-status', 'china-ties'].map((t) => briefs.get(t)?.title);
    expect(digest.reply?.title).toMatch(/^Digest for \w+day, \d{1,2} \w+ \d{4}$/);
    expect(digest.reply?.status).toBe(`Nothing new on ${titles.join(', ')} since the last digest.`);
    await store.close();
  });
});

describe('what a digest entry shows of its story', () => {
  // One outlet's report, seen an hour before T0 unless `more` says otherwise.
  const report = (guid: string, title: string, outlet: string, published: number, more: Partial<FeedItem> = {}): FeedItem => ({
    feed: guid,
    guid,
    link: `https://${guid}.example/story`,
    title,
    summary: '',
    outlet,
    language: 'es',
    publishedAt: new Date(published),
    firstSeenAt: new Date(T0 - HOUR),
    dateSource: 'feed',
    ...more,
  });
  const tags = [{ topic: 'nato-status', terms: ['otan'] }];

  /** The digest entry of one story told by two reports (the second an hour later), in a store of its own. */
  async function entryOfTwo(file: string, first: FeedItem, second: FeedItem) {
    const store = new SqliteStore(join(dir, file));
    const story = await storeItem(store, first, tags);
    await storeItem(store, second, tags, story);
    const digest = await composeDigest(subscription(['nato-status'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    await store.close();
    return digest.reply?.sections[0]?.items[0];
  }

  it('the first report has no summary (an aggregator’s): the entry shows the next report’s, named by its outlet, under the first one’s headline', async () => {
    const entry = await entryOfTwo(
      'summary-later.db',
      report('gnews', 'Petro anuncia salida de la OTAN', 'El Heraldo', T0 - 5 * HOUR),
      report('diario', 'Petro anuncia la salida de la OTAN', 'El Diario', T0 - 4 * HOUR, { summary: 'El mandatario habló en consejo de ministros.' }),
    );
    expect(entry?.text).toBe('Petro anuncia salida de la OTAN');
    expect(entry?.detail).toBe('El Heraldo, El Diario · 9 Jan 2026 19:00 · El Diario: El mandatario habló en consejo de ministros.');
  });

  it('one outlet spelt two ways (an aggregator’s “EL PAÍS”, feeds.yaml’s “El País”) is one outlet, and its summary is its own', async () => {
    const entry = await entryOfTwo(
      'outlet-spellings.db',
      report('gnews', 'Petro confirma la salida de la OTAN', 'EL PAÍS', T0 - 5 * HOUR),
      report('elpais', 'Petro confirma la salida de la OTAN', 'El País', T0 - 4 * HOUR, { summary: 'El presidente lo anunció en Bogotá.' }),
    );
    // It read "EL PAÍS, El País · … · El País: El presidente…", and ranked as a story two outlets carried.
    expect(entry?.detail).toBe('EL PAÍS · 9 Jan 2026 19:00 · El presidente lo anunció en Bogotá.');
  });

  it('the linked report has its own summary: the entry shows it, not an earlier unlinked report’s from another outlet', async () => {
    const store = new SqliteStore(join(dir, 'summary-own.db'));
    const rumour = report('rumour', 'Petro says Colombia will leave NATO partnership', 'Rumour Mill', T0 - 30 * HOUR, {
      link: undefined,
      summary: 'BREAKING: Petro has resigned and the army has taken control of Bogota.',
    });
    const story = await storeItem(store, rumour, tags);
    await storeItem(
      store,
      report('bbc', 'Petro says Colombia will leave NATO partnership', 'BBC News', T0 - 5 * HOUR, { summary: 'President Gustavo Petro said Colombia would drop the status.' }),
      tags,
      story,
    );
    const digest = await composeDigest(subscription(['nato-status'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    const entry = digest.reply?.sections[0]?.items[0];
    expect(entry?.url).toBe('https://bbc.example/story');
    expect(entry?.detail).toMatch(/ · President Gustavo Petro said Colombia would drop the status\.$/);
    expect(entry?.detail).not.toContain('BREAKING');
    await store.close();
  });

  it('the first report links through Google News and a later one to the outlet: the entry is the later one’s headline and link', async () => {
    const store = new SqliteStore(join(dir, 'direct-link.db'));
    const story = await storeItem(
      store,
      report('gnews', 'Petro anuncia salida de la OTAN', 'El Heraldo', T0 - 5 * HOUR, { link: 'https://news.google.com/rss/articles/CBMi1?oc=5' }),
      tags,
    );
    await storeItem(store, report('diario', 'Petro anuncia la salida de la OTAN', 'El Diario', T0 - 4 * HOUR, { link: 'https://diario.example/otan' }), tags, story);
    const digest = await composeDigest(subscription(['nato-status'], T0 - 2 * HOUR), new Date(T0), store, briefs);
    expect(digest.reply?.sections[0]?.items.map((i) => [i.text, i.url])).toEqual([['Petro anuncia la salida de la OTAN', 'https://diario.example/otan']]);
    await store.close();
  });

  it('no report gave a date a feed could be trusted for: the time shown says it is when the story was seen; one dated report gives its date', async () => {
    const store = new SqliteStore(join(dir, 'undated.db'));
    const undated = (guid: string, title: string, seen: number) =>
      report(guid, title, guid, seen, { language: 'en', firstSeenAt: new Date(seen), dateSource: 'first-seen' });
    const drugs = [{ topic: 'decertification', terms: ['decertification'] }];
    await storeItem(store, undated('monitor', 'Colombia suspends purchases of US weapons', T0 - 3 * HOUR), drugs);
    const story = await storeItem(store, undated('wire', 'US decertifies Colombia on drugs', T0 - 3 * HOUR), drugs);
    await storeItem(store, { ...undated('paper', 'US decertifies Colombia on drugs', T0 - HOUR), publishedAt: new Date(T0 - 26 * HOUR), dateSource: 'feed' }, drugs, story);
    const digest = await composeDigest(subscription(['decertification'], T0 - 4 * HOUR), new Date(T0), store, briefs);
    expect(digest.reply?.sections[0]?.items.map((i) => [i.text, i.detail])).toEqual([
      ['US decertifies Colombia on drugs', 'paper, wire · 8 Jan 2026 22:00'],
      ['Colombia suspends purchases of US weapons', 'monitor · seen 9 Jan 2026 21:00'],
    ]);
    await store.close();
  });
});

describe('over any run of reports and digests', () => {
  // A report: which story (same title), which topics its feed tagged it with, the minutes since the
  // last event, and what it links: the wire's copy of the story (a duplicate of any report before it
  // that did: not stored again, but its tags are added), its outlet's own page, or nothing.
  const report = fc.record({
    story: fc.integer({ min: 0, max: 7 }),
    topics: fc.subarray(TOPICS),
    minutes: fc.integer({ min: 0, max: 90 }),
    link: fc.constantFrom('wire', 'own', 'own', 'none'),
  });
  const event = fc.oneof(report, fc.record({ digestAfterMinutes: fc.integer({ min: 0, max: 240 }) }));
  let run = 0;

  it('every story reported on a channel’s topics, with a link, is in exactly one of its digests, duplicates from other feeds included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 40 }), fc.subarray(TOPICS, { minLength: 1 }), async (events, topics) => {
        const store = new SqliteStore(join(dir, `any-run-${run++}.db`));
        try {
          const clusterOf = new Map<number, number>();
          const onTopics = new Set<number>();
          const linked = new Set<number>();
          const told = new Map<number, number>();
          let t = T0;
          let coveredUntil = T0 - HOUR;
          const digest = async (slot: number) => {
            const { reply } = await composeDigest(subscription(topics, coveredUntil, 100), new Date(slot), store, briefs, MAX_AGE);
            const text = JSON.stringify(reply ?? '');
            for (const story of clusterOf.keys()) if (text.includes(`story-${story}-told`)) told.set(story, (told.get(story) ?? 0) + 1);
            coveredUntil = slot;
          };
          for (const [i, e] of events.entries()) {
            if ('digestAfterMinutes' in e) {
              await digest(t + e.digestAfterMinutes * 60_000);
              t += e.digestAfterMinutes * 60_000;
              continue;
            }
            t += e.minutes * 60_000 + 1;
            const into = await storeItem(
              store,
              {
                feed: `outlet-${i}`,
                guid: `report-${i}`,
                link: { wire: `https://wire.example/story-${e.story}`, own: `https://outlet-${i}.example/story-${e.story}`, none: undefined }[e.link],
                title: `story-${e.story}-told`,
                summary: 'What happened.',
                outlet: `Outlet ${i}`,
                language: 'en',
                publishedAt: new Date(t),
                firstSeenAt: new Date(t),
                dateSource: 'feed',
              },
              e.topics.map((topic) => ({ topic, terms: [topic] })),
              clusterOf.get(e.story),
            );
            if (into !== undefined) clusterOf.set(e.story, into);
            if (e.topics.some((topic) => topics.includes(topic))) onTopics.add(e.story);
            if (e.link !== 'none') linked.add(e.story);
          }
          await digest(t + 1);
          for (const story of clusterOf.keys())
            expect(told.get(story) ?? 0, `story ${story}`).toBe(onTopics.has(story) && linked.has(story) ? 1 : 0);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
