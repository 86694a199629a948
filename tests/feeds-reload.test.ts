import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { botFixture, kill, natoFeed, notesIn, sleep, slash, until } from './helpers/bot-process.js';

/**
 * feeds.yaml is the moderators' file as much as the briefs are: the running bot picks an edit up,
 * keeps the last good list when an edit is broken, and a restart with a broken file starts on the
 * copy of its last good version instead of refusing to start.
 */
const fx = botFixture({ env: { MODERATOR_CHANNEL: 'slack:C0MODS' } });

const notes = (title: string) => notesIn(fx.fake, 'C0MODS', title);

const feedGauge = async (port: number) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^briefbot_feeds\{state="([a-z-]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
};

describe('feeds.yaml edited while the bot runs', () => {
  it('a good edit is polled at once and removed feeds are forgotten; a broken edit, even across a restart, keeps the last good list', async () => {
    const d = await fx.deploy();
    const file = d.env.FEEDS_FILE as string;
    const local = (name: string, title?: string) => natoFeed(d.dir, name, title);
    // `gone` reads a file that is not there: a failing feed, the kind a moderator removes.
    writeFileSync(file, JSON.stringify({ feeds: [local('desk-a', 'Colombia and NATO resume cyber defence talks'), local('gone')] }));
    let bot = await fx.start(d);
    expect(await feedGauge(d.port)).toEqual({ ok: 1, failing: 1 });
    // What a moderator sees in the chat: the failing feed first, with its reason.
    const before = await slash(fx.fake, d.port, '/feeds', '');
    expect(before).toContain('2 feeds: 1 working, 1 failing.');
    expect(before).toMatch(/gone: [^"]*gone\.xml/);
    // Its reasons quote feed URLs: for channel managers only.
    expect(await slash(fx.fake, d.port, '/feeds', '', { user: 'U0MEMBER' })).toContain('Only channel managers');

    // desk-a moves to a new address; desk-c is new; gone goes.
    const moved = { ...local('desk-a2', 'Colombia weighs NATO training after the exit'), name: 'desk-a' };
    const edited = [moved, local('desk-c', 'Petro puts the NATO exit of Colombia on hold')];
    writeFileSync(file, JSON.stringify({ feeds: edited }));
    expect(await until(() => notes('Feeds file reloaded').length > 0, 10_000)).toBe(true);
    expect(notes('Feeds file reloaded')).toEqual(['Now polling 2 feeds: added desk-c; removed gone; changed desk-a.']);
    // Both polled at once, not at their next interval: their stories are under the brief already.
    const deadline = Date.now() + 10_000;
    const arrived = (answer: string) => answer.includes('Petro puts the NATO exit') && answer.includes('Colombia weighs NATO training');
    let answer = await slash(fx.fake, d.port, '/nato-status', '');
    while (!arrived(answer) && Date.now() < deadline) {
      await sleep(200);
      answer = await slash(fx.fake, d.port, '/nato-status', '');
    }
    expect(answer).toContain('Petro puts the NATO exit of Colombia on hold');
    expect(answer).toContain('Colombia weighs NATO training after the exit');
    expect(await feedGauge(d.port)).toEqual({ ok: 2 });
    expect(await slash(fx.fake, d.port, '/feeds', '')).toContain('2 feeds: 2 working, 0 failing.');

    // A broken edit: the two feeds stay polled, and the moderators hear what is wrong.
    writeFileSync(file, JSON.stringify({ feeds: edited.map((f) => ({ ...f, interval: 2 })) }));
    expect(await until(() => notes('Feeds file problems').length > 0, 10_000)).toBe(true);
    expect(notes('Feeds file problems')).toEqual([
      `${file}:1: feeds.0.interval: interval is at least 5 minutes\n${file}:1: feeds.1.interval: interval is at least 5 minutes\nThe 2 feeds polled before stay polled until it is fixed.`,
    ]);

    // Restarted with the file still broken: it starts on the last good copy, and says so.
    expect(await kill(bot, 'SIGTERM')).toBe(0);
    fx.fake.messages.clear();
    bot = await fx.start(d);
    expect(await until(() => notes('Feeds file problems').length > 0, 10_000)).toBe(true);
    expect(notes('Feeds file problems')[0]).toMatch(
      /\nIts last good version \(2 feeds\), saved \d{4}-\d\d-\d\d \d\d:\d\d UTC, is polled until it is fixed\.$/,
    );
    expect(await slash(fx.fake, d.port, '/nato-status', '')).toContain('Petro puts the NATO exit of Colombia on hold');
    expect(await feedGauge(d.port)).toEqual({ ok: 2 });
  }, 90_000);
});
