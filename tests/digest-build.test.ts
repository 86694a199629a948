import { describe, expect, it } from 'vitest';
import { buildDigest, type DigestStory } from '../src/core/digests/build.js';
import { paginate } from '../src/core/paginate.js';
import { renderDiscord } from '../src/platforms/discord/render.js';
import { renderSlack } from '../src/platforms/slack/render.js';
import { discordViolations, slackViolations } from './helpers/limits.js';

const topics = [
  { topic: 'nato-status', title: 'Colombia and NATO' },
  { topic: 'china-ties', title: 'Colombia and China' },
];
const slot = new Date('2026-11-23T13:00:00Z');
const yesterday = new Date(slot.getTime() - 24 * 3_600_000);
const story = (title: string, outlets: string[], hoursAgo: number, storyTopics: string[]): DigestStory => ({
  title,
  url: `https://news.example/${encodeURIComponent(title)}`,
  outlets,
  published: new Date(slot.getTime() - hoursAgo * 3_600_000),
  summary: `${title}: what happened, in one line.`,
  topics: storyTopics,
});

describe('building a digest', () => {
  it('groups by topic, ranks by outlets then recency, names every outlet, in the channel’s zone', () => {
    const reply = buildDigest({
      topics,
      timezone: 'America/Bogota',
      slot,
      cap: 10,
      covered: yesterday,
      stories: [
        story('Petro meets Xi', ['Reuters'], 2, ['china-ties']),
        story('Colombia leaves NATO partnership', ['BBC', 'El Tiempo', 'Reuters'], 5, ['nato-status']),
        story('NATO and Colombia talk cyber', ['Colombia Reports'], 1, ['nato-status', 'china-ties']),
        story('Unrelated', ['X'], 1, ['decertification']),
      ],
    })!;
    expect(reply.title).toBe('Digest for Monday, 23 November 2026');
    expect(reply.status).toBe('3 stories since the last digest');
    expect(reply.ephemeral).toBe(false);
    expect(reply.sections.map((s) => [s.heading, s.items.map((i) => i.text)])).toEqual([
      ['Colombia and NATO', ['Colombia leaves NATO partnership', 'NATO and Colombia talk cyber']],
      ['Colombia and China', ['Petro meets Xi']],
    ]);
    expect(reply.sections[0]!.items[0]!.detail).toBe(
      'BBC, El Tiempo, Reuters · 03:00 · Colombia leaves NATO partnership: what happened, in one line.',
    );
    expect(reply.footer).toBe('Times in America/Bogota · Background briefs: /nato-status · /china-ties');
  });

  it('names four outlets of a story and counts the rest (a feed can name any number)', () => {
    const outlets = Array.from({ length: 120 }, (_, i) => `Outlet ${i}`);
    const reply = buildDigest({ topics, timezone: 'UTC', slot, covered: yesterday, cap: 10, stories: [story('Flooded', outlets, 1, ['china-ties'])] })!;
    expect(reply.sections[0]!.items[0]!.detail).toBe('Outlet 0, Outlet 1, Outlet 2, Outlet 3 + 116 more · 12:00 · Flooded: what happened, in one line.');
  });

  it('posts nothing when nothing is new', () => {
    expect(buildDigest({ topics, timezone: 'UTC', slot, covered: yesterday, cap: 10, stories: [] })).toBeUndefined();
  });

  it('respects the item cap', () => {
    const stories = Array.from({ length: 30 }, (_, i) => story(`Story ${i}`, ['A'], i, ['china-ties']));
    const capped = buildDigest({ topics, timezone: 'UTC', slot, covered: yesterday, cap: 5, stories })!;
    expect(capped.sections[0]!.items).toHaveLength(5);
    expect(capped.status).toBe('5 of 30 stories since the last digest: the ones most outlets carried');
  });

  it('says what it covers: a first digest the last day, a catch-up since when', () => {
    const stories = [story('Petro meets Xi', ['Reuters'], 2, ['china-ties'])];
    const status = (covered: Date | undefined, zone = 'UTC') => buildDigest({ topics, timezone: zone, slot, cap: 10, covered, stories })!.status;
    expect(status(undefined)).toBe('1 story from the last 24 hours');
    // A day and an hour is still the usual day (a DST change, a slot moved by an hour).
    expect(status(new Date(slot.getTime() - 25 * 3_600_000))).toBe('1 story since the last digest');
    // The bot down over a weekend, or a weekly digest: since when, in the channel's zone.
    expect(status(new Date('2026-11-20T13:00:00Z'), 'America/Bogota')).toBe('1 story since 20 Nov 2026 08:00');
  });

  it('splits a long digest across messages, in order, each within the platform limits', () => {
    const stories = Array.from({ length: 120 }, (_, i) =>
      story(`Story ${String(i).padStart(3, '0')} ${'with a long headline '.repeat(8)}`, ['Outlet A', 'Outlet B'], i, ['china-ties']),
    );
    const reply = buildDigest({ topics, timezone: 'UTC', slot, covered: yesterday, cap: 120, stories })!;
    for (const [name, render, violations] of [
      ['discord', renderDiscord, discordViolations],
      ['slack', renderSlack, slackViolations],
    ] as const) {
      const pages = paginate(reply, (p) => render(p).trimmed.length === 0);
      expect(pages.length, name).toBeGreaterThan(1);
      const shown = pages.flatMap((p) => p.sections.flatMap((s) => s.items.map((i) => i.text)));
      expect(shown, name).toEqual(stories.map((s) => s.title));
      for (const page of pages) {
        const rendered = render(page);
        expect(rendered.trimmed, name).toEqual([]);
        expect(violations(rendered.message as never), name).toEqual([]);
      }
      expect(pages.at(-1)!.footer).toBe(reply.footer);
      expect(pages[1]!.title).toBe(`${reply.title} (continued)`);
    }
  });
});
