import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { botFixture, CHANNEL, kill, natoFeed, notesIn, slash, until } from './helpers/bot-process.js';

/**
 * A moderator's edit breaks a brief while the bot is down (or just before a deploy). The running
 * bot always kept the last good version; a restart used to refuse to start at all, because
 * feeds.yaml names the topic the broken brief no longer served.
 */
const fx = botFixture({ env: { MODERATOR_CHANNEL: 'slack:C0MODS' } });

const notes = (title: string) => notesIn(fx.fake, 'C0MODS', title);

/** The moderators' "Brief problems" note, once it has come. */
async function problemsNote(): Promise<string> {
  expect(await until(() => notes('Brief problems').length > 0, 10_000)).toBe(true);
  return notes('Brief problems')[0] as string;
}

/** The live bot reloads a brief edited on disk and answers with it. */
async function answersAfterReload(bot: Awaited<ReturnType<typeof fx.start>>, port: number, text: string): Promise<void> {
  expect(await until(() => bot.logs('briefs reloaded').length > 0, 10_000)).toBe(true);
  expect(await slash(fx.fake, port, '/nato-status', '')).toContain(text);
}

describe('a brief broken while the bot was down', () => {
  it('the bot starts, answers its last good version, tags its news, and tells the moderators', async () => {
    const d = await fx.deploy({ ownBriefs: true });
    const briefs = d.env.BRIEFS_DIR as string;
    const feeds = [natoFeed(d.dir, 'desk-a', 'Colombia and NATO resume cyber defence talks')];
    writeFileSync(d.env.FEEDS_FILE as string, JSON.stringify({ feeds }));

    let bot = await fx.start(d);
    const first = await slash(fx.fake, d.port, '/nato-status', '');
    expect(first).toContain('the sources do not report the exit as completed');
    expect(first).toContain('Colombia and NATO resume cyber defence talks');
    expect(await kill(bot, 'SIGTERM')).toBe(0);

    // While it is down: an edit that cites a source the brief does not list, and a new feed for the topic.
    const file = join(briefs, 'nato-status.md');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('the sources do not report the exit as completed', 'A STATUS WITH A TYPO').replace('status. [s2]', 'status. [s9]'));
    feeds.push(natoFeed(d.dir, 'desk-b', 'Petro puts the NATO exit of Colombia on hold'));
    writeFileSync(d.env.FEEDS_FILE as string, JSON.stringify({ feeds }));

    bot = await fx.start(d);
    const after = await slash(fx.fake, d.port, '/nato-status', '');
    expect(after).toContain('the sources do not report the exit as completed');
    expect(after).not.toContain('A STATUS WITH A TYPO');
    // Polled while the file was broken, and still tagged to the topic by its last good version.
    expect(after).toContain('Petro puts the NATO exit of Colombia on hold');

    const note = await problemsNote();
    expect(note).toMatch(new RegExp(`^${file}:\\d+: cites \\[s9\\] but no source has id 's9'\n`));
    expect(note).toMatch(/\n\/nato-status is served from its last good version, saved \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);

    // Fixed: the live bot takes the edit.
    writeFileSync(file, good.replace('the sources do not report the exit as completed', 'the exit is on hold'));
    await answersAfterReload(bot, d.port, 'the exit is on hold');
  }, 90_000);
});

describe('a briefs folder missing at start (a volume not mounted)', () => {
  it('the bot starts, answers from the last good copies, tells the moderators, and reads the folder once it is back', async () => {
    const d = await fx.deploy({ ownBriefs: true });
    const briefs = d.env.BRIEFS_DIR as string;
    let bot = await fx.start(d);
    expect(await slash(fx.fake, d.port, '/nato-status', '')).toContain('the sources do not report the exit as completed');
    expect(await kill(bot, 'SIGTERM')).toBe(0);

    renameSync(briefs, `${briefs}-unmounted`);
    bot = await fx.start(d);
    expect(await slash(fx.fake, d.port, '/nato-status', '')).toContain('the sources do not report the exit as completed');
    const note = await problemsNote();
    expect(note).toMatch(new RegExp(`^${briefs}:0: cannot read the briefs folder: ENOENT`));
    expect(note).toMatch(/\n\/nato-status is served from its last good version, saved \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);

    const good = readFileSync(join(`${briefs}-unmounted`, 'nato-status.md'), 'utf8');
    writeFileSync(join(`${briefs}-unmounted`, 'nato-status.md'), good.replace('the sources do not report the exit as completed', 'the exit is on hold'));
    renameSync(`${briefs}-unmounted`, briefs);
    await answersAfterReload(bot, d.port, 'the exit is on hold');
  }, 90_000);
});

describe('a subscribed topic whose brief is deleted', () => {
  it('is named to the moderators with the channels that follow it, and /digest list there says so', async () => {
    const d = await fx.deploy({ ownBriefs: true });
    const briefs = d.env.BRIEFS_DIR as string;
    await fx.start(d);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).not.toContain('No brief serves');

    rmSync(join(briefs, 'china-ties.md'));
    expect(await until(() => notes('Topic no longer served').length > 0, 10_000)).toBe(true);
    expect(notes('Topic no longer served')).toEqual([
      `No brief serves china-ties any more (its file was deleted, or its topic renamed), so no news is tagged with it. Subscribed to it: slack:${CHANNEL}. Restore the brief, or have those channels /digest subscribe to other topics.`,
    ]);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).toContain(
      'No brief serves china-ties now, so no news on it is tagged. Topics: decertification, nato-status; /digest subscribe to change.',
    );
  }, 60_000);

  it('a declared subscription naming a topic no brief has is warned about at start, and in /digest list', async () => {
    const d = await fx.deploy();
    const file = d.env.SUBSCRIPTIONS_FILE as string;
    const subscription = { platform: 'slack', channelId: CHANNEL, topics: ['nato-status', 'venezuela'], schedule: { time: '08:00', timezone: 'UTC' } };
    writeFileSync(file, JSON.stringify({ subscriptions: [subscription] }));
    const bot = await fx.start(d);
    expect(bot.logs('subscriptions name topics no brief has').map((l) => l.problems)).toEqual([
      [`${file}:1: slack:${CHANNEL}: unknown topic 'venezuela' (no brief names it)`],
    ]);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).toContain('No brief serves venezuela now');
  }, 60_000);

  it('a subscription removed from the file is unsubscribed at the next start; one the channel made itself is not', async () => {
    const d = await fx.deploy();
    const file = d.env.SUBSCRIPTIONS_FILE as string;
    const subscription = { platform: 'slack', channelId: CHANNEL, topics: ['nato-status'], schedule: { time: '08:00', timezone: 'UTC' } };
    writeFileSync(file, JSON.stringify({ subscriptions: [subscription] }));
    let bot = await fx.start(d);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).toContain('Subscribed: nato-status');
    expect(await kill(bot, 'SIGTERM')).toBe(0);

    writeFileSync(file, JSON.stringify({ subscriptions: [] }));
    bot = await fx.start(d);
    expect(await until(() => bot.logs('unsubscribed: no longer in the subscriptions file').length > 0, 10_000)).toBe(true);
    expect(bot.logs('unsubscribed: no longer in the subscriptions file').map((l) => l.channel)).toEqual([`slack:${CHANNEL}`]);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).toContain('No digest subscription in this channel.');

    // The channel subscribes itself: the file never declared that one, so a restart keeps it.
    expect(await slash(fx.fake, d.port, '/digest', 'subscribe topics:china-ties time:09:00')).toContain('china-ties');
    expect(await kill(bot, 'SIGTERM')).toBe(0);
    bot = await fx.start(d);
    expect(bot.logs('unsubscribed: no longer in the subscriptions file')).toEqual([]);
    expect(await slash(fx.fake, d.port, '/digest', 'list')).toContain('Subscribed: china-ties');
  }, 90_000);
});
