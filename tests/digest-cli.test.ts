import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefLibrary, type LoadReport } from '../src/core/briefs/library.js';
import { DeliveryError, type DigestTarget } from '../src/core/digests/outbox.js';
import type { Reply } from '../src/core/reply.js';
import { parseSince, printDigest, printStatus } from '../src/main/digest-cli.js';
import { printFeedHealth, runPollOnce } from '../src/main/feeds.js';
import { newHealth, recordSuccess } from '../src/core/feeds/health.js';
import { createNotifier } from '../src/notes.js';
import { SqliteDigestStore } from '../src/store/digests-sqlite.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { SqliteStore } from '../src/store/sqlite.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'briefbot-cli-'));
  const out: string[] = [];
  const code = await runPollOnce(
    { feedsFile: 'examples/feeds.yaml', briefsDir: 'briefs', out: (t) => out.push(t) },
    { DATA_DIR: dataDir, BRIEFS_DIR: 'briefs' },
  );
  expect(code, out.join('')).toBe(0);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const options = { format: 'text' as const, timezone: 'America/Bogota', cap: 20 };

describe('the commands that read a store', () => {
  it('name a DATA_DIR with no store instead of making an empty one and saying all is well', async () => {
    const typo = join(dataDir, 'typo', 'dat');
    await expect(printStatus(typo)).rejects.toThrow(`no store at ${join(typo, 'briefbot.db')}: is DATA_DIR right?`);
    await expect(printDigest(typo, 'briefs', { ...options })).rejects.toThrow('no store at');
    await expect(printFeedHealth(() => {}, { DATA_DIR: typo })).rejects.toThrow('no store at');
    expect(existsSync(join(dataDir, 'typo'))).toBe(false);
    await expect(printDigest(dataDir, 'briefs', { ...options, cap: Number('abc') })).rejects.toThrow("--cap takes a whole number of stories, 1 or more; got 'NaN'");
  });

  it('name a store that is not one (empty, not SQLite) or is older than this build, and leave it as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-cli-stores-'));
    try {
      const at = (name: string, contents: string | ((file: string) => void)) => {
        const file = join(dir, name, 'briefbot.db');
        mkdirSync(join(dir, name));
        if (typeof contents === 'string') writeFileSync(file, contents);
        else contents(file);
        return { dataDir: join(dir, name), file };
      };
      // A restore that failed part-way: status used to make it a new empty store and say all was well.
      const empty = at('empty', '');
      await expect(printStatus(empty.dataDir)).rejects.toThrow(`${empty.file} is not a briefbot store (the file is empty): is DATA_DIR right?`);
      expect(statSync(empty.file).size).toBe(0);
      const garbage = at('garbage', 'not a database '.repeat(100));
      await expect(printFeedHealth(() => {}, { DATA_DIR: garbage.dataDir })).rejects.toThrow(`${garbage.file} is not a briefbot store (not an SQLite database)`);
      // A store the running (older) bot wrote: reading it must not upgrade it under that bot.
      const old = at('old', (file) => {
        const db = new Database(file);
        db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);');
        db.close();
      });
      await expect(printDigest(old.dataDir, 'briefs', { ...options })).rejects.toThrow(
        `the store at ${old.file} is at schema version 1, older than this build's ${MIGRATIONS.length}: start this build's bot to upgrade it`,
      );
      const db = new Database(old.file, { readonly: true });
      expect(db.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: 1 });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('feeds shows the feeds file’s feeds, and names those renamed or removed since, and those not polled yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-cli-feeds-'));
    try {
      const file = join(dir, 'feeds.yaml');
      writeFileSync(
        file,
        'feeds:\n  - name: andes-wire\n    url: https://andes.example/rss\n    language: en\n  - name: brand-new\n    url: https://new.example/rss\n    language: en\n',
      );
      let text = '';
      await printFeedHealth((t) => (text += t), { DATA_DIR: dataDir }, file);
      const [tableText, ...notes] = text.split('\n\n');
      expect(tableText).toMatch(/\nandes-wire +ok /);
      expect(tableText).not.toContain('hemisphere-monitor');
      expect(notes).toEqual([
        `Not in ${file} (renamed or removed; their health is from before): diario-de-los-andes, google-news-colombia-es, hemisphere-monitor`,
        `In ${file}, not polled yet: brand-new\n`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('poll --once exits 1 when every feed failed (no network, a wrong proxy), 0 when any worked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-cli-fail-'));
    try {
      const file = join(dir, 'feeds.yaml');
      writeFileSync(file, 'feeds:\n  - name: gone\n    url: ./missing.xml\n    local: true\n    language: en\n');
      const out: string[] = [];
      expect(await runPollOnce({ feedsFile: file, briefsDir: 'briefs', out: (t) => out.push(t) }, { DATA_DIR: join(dir, 'data') })).toBe(1);
      expect(out.join('')).toMatch(/1 feed, 0 new items, 1 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('briefbot digest', () => {
  it('prints the digest of the stored news for chosen topics, without posting', async () => {
    const text = await printDigest(dataDir, 'briefs', { ...options, topics: 'china-ties', since: '3650d' });
    expect(text).toContain('Colombia and China:');
    expect(text).toContain('Belt and Road');
    expect(text).not.toContain('Colombia and NATO:');
    expect(text).not.toContain('tagged');
  });

  it('--explain names the topic and the terms that tagged each story', async () => {
    const text = await printDigest(dataDir, 'briefs', { ...options, topics: 'nato-status', since: '3650d', explain: true });
    expect(text).toMatch(/tagged nato-status \(colombia\* \+ (nato|otan)\)/);
  });

  it('--since limits the window (by when the bot first saw a story); nothing new says so', async () => {
    const afterThePoll = new Date().toISOString();
    expect(await printDigest(dataDir, 'briefs', { ...options, since: afterThePoll })).toBe(
      `No stories on china-ties, decertification, nato-status since ${afterThePoll}.\n`,
    );
    expect(() => parseSince('yesterday', new Date())).toThrow("--since takes a date (2026-11-20), an instant, or 24h / 3d; got 'yesterday'");
    expect(parseSince('3d', new Date('2026-11-23T00:00:00Z')).toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });

  it('poll --once and digest read a brief broken since the last run by its last good version, and say so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-cli-broken-'));
    try {
      const briefs = join(dir, 'briefs');
      const data = join(dir, 'data');
      cpSync('briefs', briefs, { recursive: true });
      const none = join(dir, 'no-feeds.yaml');
      writeFileSync(none, 'feeds: []\n');
      const run = async (feedsFile: string) => {
        const out: string[] = [];
        expect(await runPollOnce({ feedsFile, briefsDir: briefs, out: (t) => out.push(t) }, { DATA_DIR: data, BRIEFS_DIR: briefs })).toBe(0);
        return out.join('');
      };
      await run(none);
      const file = join(briefs, 'nato-status.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('status. [s2]', 'status. [s9]'));
      const out = await run('examples/feeds.yaml');
      expect(out).toMatch(new RegExp(`^${file}:\\d+: cites \\[s9\\] but no source has id 's9'\n/nato-status is served from its last good version, saved .+ UTC\\.\n`));
      const text = await printDigest(data, briefs, { ...options, topics: 'nato-status', since: '3650d' });
      expect(text).toContain('Colombia and NATO:');
      expect(text).toContain('NATO');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the Discord and Slack payloads too', async () => {
    const discord = JSON.parse(await printDigest(dataDir, 'briefs', { ...options, since: '3650d', format: 'discord' }));
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    const slack = JSON.parse(await printDigest(dataDir, 'briefs', { ...options, since: '3650d', format: 'slack' }));
    expect(slack.blocks[0].type).toBe('header');
  });

  it('refuses an unknown topic by name', async () => {
    await expect(printDigest(dataDir, 'briefs', { ...options, topics: 'venezuela' })).rejects.toThrow(
      'unknown topic(s): venezuela; topics: china-ties, decertification, nato-status',
    );
  });
});

describe('briefbot status', () => {
  it('shows subscriptions with their next run, the outbox and dead letters', async () => {
    const store = new SqliteStore(join(dataDir, 'briefbot.db'));
    const digests = new SqliteDigestStore(store.db);
    const sub = await digests.subscribe(
      {
        platform: 'slack',
        channelId: 'C1',
        topics: ['china-ties'],
        schedule: { time: '08:00', timezone: 'America/Bogota', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] },
        cap: 5,
        postWhenEmpty: false,
      },
      new Date(),
    );
    const entry = await digests.enqueue({ subscriptionId: sub.id, slot: new Date('2026-11-20T13:00:00Z'), pages: [{}], coveredUntil: new Date('2026-11-20T13:00:00Z') });
    await digests.markDead(entry!.id, 'Slack: channel_not_found (after 1 attempt)');
    // A channel that unsubscribed while its digest waited.
    const gone = await digests.subscribe({ ...sub, channelId: 'C2' }, new Date());
    await digests.enqueue({ subscriptionId: gone.id, slot: new Date('2026-11-20T13:00:00Z'), pages: [{}], coveredUntil: new Date('2026-11-20T13:00:00Z') });
    await digests.unsubscribe('slack', 'C2');
    const broke = 'the document broke: malformed XML: Unclosed root tag; read the 3 items before it';
    const read = recordSuccess(newHealth('wp', 'https://wp.example/feed'), new Date(), 1_800_000, { broke: broke.replace('the document broke: ', '') });
    await store.saveHealth(read.health);
    await store.close();

    const text = await printStatus(dataDir);
    expect(text).toContain('slack:C1  china-ties · mon,tue,wed,thu,fri at 08:00 America/Bogota · up to 5 stories');
    expect(text).toMatch(/next run 20\d\d-\d\d-\d\dT13:00:00.000Z; last digest covers to 2026-11-20T13:00:00.000Z/);
    expect(text).toContain('Outbox: 0 pending, 0 delivered, 1 dead, 1 cancelled (unsubscribed before sent)');
    expect(text).toContain('dead      slack:C1 slot 2026-11-20T13:00:00.000Z attempts 1: Slack: channel_not_found (after 1 attempt)');
    expect(text).toContain('cancelled slack:C2 slot 2026-11-20T13:00:00.000Z attempts 0: unsubscribed');
    expect(text).toContain('Feeds: 5 polled, 0 failing, 1 read in part');
    expect(text).toContain(`  wp: partial: ${broke}\n`);
  });
});

describe('notes the bot posts on its own', () => {
  const briefs = new BriefLibrary('briefs');
  briefs.load();
  class Recorder implements DigestTarget {
    platform = 'discord' as const;
    sent: { channel: string; text: string }[] = [];
    fail = false;
    renderPages = (reply: Reply) => [reply];
    async send(channel: string, page: unknown) {
      if (this.fail) throw new DeliveryError('Unknown Channel', false);
      const r = page as Reply;
      this.sent.push({ channel, text: `${r.title}: ${r.sections.flatMap((s) => s.items.map((i) => i.text)).join(' ')}` });
      return { messageId: String(this.sent.length) };
    }
  }

  it('tells the moderators about feed health changes and the followers of a topic about a new status', async () => {
    const target = new Recorder();
    const warnings: unknown[] = [];
    const logged: string[] = [];
    const notifier = createNotifier({
      targets: new Map([['discord', target]]),
      moderatorChannel: { platform: 'discord', channelId: 'MODS' },
      subscriptions: {
        subscriptions: async () => [
          { id: 1, platform: 'discord', channelId: 'NEWS', topics: ['nato-status'], schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] }, cap: 5, postWhenEmpty: false, createdAt: new Date(), coveredUntil: undefined },
          { id: 2, platform: 'discord', channelId: 'OTHER', topics: ['china-ties'], schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] }, cap: 5, postWhenEmpty: false, createdAt: new Date(), coveredUntil: undefined },
        ],
      },
      log: {
        info: (_, msg) => logged.push(`info ${msg}`),
        warn: (o, msg) => {
          warnings.push(o);
          logged.push(`warn ${msg}`);
        },
        error: () => {},
      },
      now: () => new Date('2026-11-23T12:00:00Z'),
    });
    const health = { ...newHealth('bbc', 'https://x'), state: 'backed-off' as const, lastError: 'HTTP 500', consecutiveFailures: 3, nextAttemptAt: new Date('2026-11-23T13:00:00Z') };
    await notifier.feedHealth({ kind: 'backed-off', feed: 'bbc', health });
    await notifier.feedHealth({ kind: 'recovered', feed: 'bbc', health: { ...health, state: 'ok' } });
    const broke = 'the document broke: malformed XML: Unclosed root tag; read the 3 items before it';
    await notifier.feedHealth({ kind: 'partial', feed: 'wp', health: { ...health, feed: 'wp', state: 'partial', lastError: broke } });
    await notifier.feedHealth({ kind: 'moved', feed: 'bbc', health: { ...health, state: 'ok', movedTo: 'https://feeds.bbci.co.uk/news/world/rss.xml' } });
    await notifier.digestDead({ platform: 'discord', channelId: 'NEWS', slot: new Date('2026-11-23T13:00:00Z') }, 'Unknown Channel (after 1 attempt)');
    const loaded = (report: Partial<LoadReport>): LoadReport => ({ problems: [], statusChanges: [], stale: [], offline: [], gone: [], changed: true, ...report });
    await notifier.briefsReloaded(loaded({ statusChanges: [{ topic: 'nato-status', before: 'Old status.', after: 'New status.' }] }));
    await notifier.briefsReloaded(loaded({
      problems: [
        { file: 'briefs/nato-status.md', line: 32, message: "cites [s9] but no source has id 's9'" },
        { file: 'briefs/new.md', line: 1, message: "a brief must start with '---' and YAML front matter" },
      ],
      stale: [{ file: 'briefs/nato-status.md', topic: 'nato-status', savedAt: new Date('2026-11-20T14:02:31Z') }],
      offline: ['briefs/new.md'],
    }));
    // decertification had no subscriber; nato-status had one (NEWS).
    await notifier.briefsReloaded(loaded({ gone: ['decertification', 'nato-status'] }));
    expect(target.sent).toEqual([
      { channel: 'MODS', text: 'Feed health: Feed bbc has failed 3 times in a row (HTTP 500); retrying at 2026-11-23T13:00:00.000Z.' },
      { channel: 'MODS', text: 'Feed health: Feed bbc is working again.' },
      { channel: 'MODS', text: `Feed health: Feed wp sent a broken document, and only part of it was read: ${broke}.` },
      { channel: 'MODS', text: 'Feed health: Feed bbc has moved permanently to https://feeds.bbci.co.uk/news/world/rss.xml (update feeds.yaml).' },
      { channel: 'MODS', text: 'Digest not delivered: The digest for discord channel NEWS due 2026-11-23T13:00:00.000Z was not delivered and will not be retried: Unknown Channel (after 1 attempt). /digest list in that channel shows it.' },
      { channel: 'NEWS', text: 'Brief updated: /nato-status has a new status.\nWas: Old status.\nNow: New status.' },
      {
        channel: 'MODS',
        text: [
          "Brief problems: briefs/nato-status.md:32: cites [s9] but no source has id 's9'",
          "briefs/new.md:1: a brief must start with '---' and YAML front matter",
          '/nato-status is served from its last good version, saved 2026-11-20 14:02 UTC.',
          'briefs/new.md is not served until it is fixed.',
        ].join('\n'),
      },
      {
        channel: 'MODS',
        text:
          'Topic no longer served: No brief serves nato-status any more (its file was deleted, or its topic renamed), so no news is tagged with it. ' +
          'Subscribed to it: discord:NEWS. Restore the brief, or have those channels /digest subscribe to other topics.',
      },
    ]);
    // Logged as well, for a bot with no MODERATOR_CHANNEL (where these went nowhere).
    expect(logged).toEqual([
      'warn Feed bbc has failed 3 times in a row (HTTP 500); retrying at 2026-11-23T13:00:00.000Z.',
      'info Feed bbc is working again.',
      `warn Feed wp sent a broken document, and only part of it was read: ${broke}.`,
      'warn Feed bbc has moved permanently to https://feeds.bbci.co.uk/news/world/rss.xml (update feeds.yaml).',
      'warn digest dead-lettered',
    ]);
    expect(warnings[3]).toEqual({ channel: 'discord:NEWS', slot: '2026-11-23T13:00:00.000Z', reason: 'Unknown Channel (after 1 attempt)' });

    target.fail = true;
    logged.length = 0;
    await notifier.feedHealth({ kind: 'failing', feed: 'bbc', health });
    expect(logged).toEqual(['warn Feed bbc is failing: HTTP 500.', 'warn could not post a note']);
  });
});
