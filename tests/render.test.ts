import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { BRIEF_SECTIONS, briefReply } from '../src/core/briefs/to-reply.js';
import { newHealth } from '../src/core/feeds/health.js';
import { feedHealthReply } from '../src/core/feeds/health-reply.js';
import type { Reply } from '../src/core/reply.js';
import { renderDiscord } from '../src/platforms/discord/render.js';
import { renderText } from '../src/platforms/local/render.js';
import { renderSlack } from '../src/platforms/slack/render.js';
import { discordViolations, slackViolations } from './helpers/limits.js';

const library = new BriefLibrary('briefs');
library.load();
const briefs = library.list();
const now = new Date('2026-11-23T12:00:00Z');

describe('rendering the shipped briefs', () => {
  it('loads all three briefs', () => {
    expect(briefs.map((b) => b.topic)).toEqual(['china-ties', 'decertification', 'nato-status']);
  });

  for (const brief of briefs) {
    for (const section of BRIEF_SECTIONS) {
      it(`${brief.topic} section:${section} fits Discord and Slack whole`, () => {
        const reply = briefReply(brief, { section, ephemeral: true, now, command: `/${brief.topic}` });
        const discord = renderDiscord(reply);
        const slack = renderSlack(reply);
        expect(discordViolations(discord.message)).toEqual([]);
        expect(slackViolations(slack.message)).toEqual([]);
        expect(discord.trimmed).toEqual([]);
        expect(slack.trimmed).toEqual([]);
      });
    }

    it(`${brief.topic}: every key fact shows its sources as links on both platforms`, () => {
      const reply = briefReply(brief, { section: 'facts', ephemeral: true, now, command: `/${brief.topic}` });
      const discord = renderDiscord(reply).message.embeds.map((e) => e.description).join('\n');
      const slack = renderSlack(reply).message.blocks.map((b) => (b.type === 'section' ? b.text.text : '')).join('\n');
      for (const fact of brief.facts) {
        for (const id of fact.refs) {
          const source = brief.sources.find((s) => s.id === id)!;
          expect(discord).toContain(`](${source.url})`);
          expect(slack).toContain(`<${source.url}|`);
        }
      }
      expect(discord).toContain(brief.facts[0]!.text.slice(0, 20));
    });
  }

  it('says a brief is stale once it is older than stale_after_days', () => {
    const brief = { ...briefs[0]!, updated: '2026-10-17', stale_after_days: 14 };
    const reply = briefReply(brief, { section: 'status', ephemeral: true, now, command: '/x' });
    expect(reply.footer).toContain('Last reviewed 37 days ago (2026-10-17): this brief may be out of date');
    expect(reply.tone).toBe('warning');
    // First, where a reader looks, and in Slack's notification text.
    expect(reply.status).toBe(`May be out of date (last reviewed 37 days ago). ${brief.status}`);
    expect(renderSlack(reply).message.text).toContain('May be out of date (last reviewed 37 days ago).');
    expect(renderDiscord(reply).message.embeds.at(-1)?.footer?.text).toContain('37 days ago');
    expect(renderText(reply)).toContain('37 days ago');
  });

  it('keeps a fresh brief quiet about staleness', () => {
    const brief = { ...briefs[0]!, updated: '2026-11-20', stale_after_days: 14 };
    const reply = briefReply(brief, { section: 'status', ephemeral: true, now, command: '/x' });
    expect(reply.footer).toMatch(/^Last reviewed 2026-11-20 \(3 days ago\)/);
  });
});

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const link = fc.record({ label: text(300), url: fc.webUrl() });
const item = fc.record({
  text: text(6000),
  date: fc.option(fc.constantFrom('2025', '2025-07', '2025-07-16'), { nil: undefined }),
  refs: fc.array(link, { maxLength: 4 }),
});
const replyArb: fc.Arbitrary<Reply> = fc.record({
  title: text(600),
  status: fc.option(text(5000), { nil: undefined }),
  sections: fc.array(
    fc.record({
      key: fc.constantFrom('status', 'facts', 'timeline', 'watch'),
      heading: text(200),
      items: fc.array(item, { maxLength: 40 }),
      style: fc.constantFrom('list' as const, 'paragraph' as const),
      more: fc.option(fc.constant('/x section:facts'), { nil: undefined }),
    }),
    { maxLength: 8 },
  ),
  footer: fc.option(text(3000), { nil: undefined }),
  ephemeral: fc.boolean(),
  tone: fc.constantFrom('info' as const, 'warning' as const, 'error' as const),
});

describe('rendering extreme replies', () => {
  it('never breaks a Discord limit', () => {
    fc.assert(
      fc.property(replyArb, (reply) => {
        expect(discordViolations(renderDiscord(reply).message)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never breaks a Slack limit', () => {
    fc.assert(
      fc.property(replyArb, (reply) => {
        expect(slackViolations(renderSlack(reply).message)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('trims an over-long brief by whole facts, each with its source, and points to the rest', () => {
    const brief = briefs.find((b) => b.topic === 'nato-status')!;
    const sentence = 'Colombia and NATO kept talking about training and cyber defence. ';
    const long = { ...brief, facts: Array.from({ length: 10 }, (_, i) => ({ text: `${i}. ${sentence.repeat(7)}`, refs: ['s1'], line: 1 })) };
    const reply = briefReply(long, { section: 'all', ephemeral: true, now, command: '/nato-status' });
    const discord = renderDiscord(reply);
    expect(discordViolations(discord.message)).toEqual([]);
    expect(discord.trimmed).toContain('facts');
    const body = discord.message.embeds.map((e) => e.description ?? '').join('\n');
    expect(body).toContain('…full brief: /nato-status section:facts');
    // Every fact shown ends with its source's link: none is cut short, losing it.
    const facts = body.split('\n').filter((l) => /^• \d\\?\./.test(l));
    expect(facts.length).toBeGreaterThan(0);
    for (const fact of facts) expect(fact).toMatch(/\]\(<?https:\/\/[^)]+>?\)\)?$/);
    const slack = renderSlack({ ...reply, sections: [...reply.sections, ...reply.sections, ...reply.sections] });
    expect(slackViolations(slack.message)).toEqual([]);
    expect(slack.trimmed.length).toBeGreaterThan(0);
    expect(JSON.stringify(slack.message.blocks)).toContain('…full brief: /nato-status section:');
  });

  it('given the shipped briefs with three long Google News headlines, then every fact, timeline line and watch item is whole with its sources; only headlines give way', () => {
    const headlines = [1, 2, 3].map((n) => ({
      title: `Headline ${n}: ${'Colombia and its partners weigh the next step in a long dispute '.repeat(2).trim()}`,
      url: `https://news.google.com/rss/articles/CBMi${'A'.repeat(400)}${n}?oc=5`,
      outlets: ['Outlet One International', 'Outlet Two', 'Outlet Three', 'Outlet Four', 'Outlet Five'],
      published: now,
    }));
    for (const brief of briefs) {
      const reply = briefReply(brief, { section: 'all', ephemeral: true, now, command: `/${brief.topic}`, headlines });
      for (const [name, rendered] of [
        ['discord', renderDiscord(reply)],
        ['slack', renderSlack(reply)],
      ] as const) {
        expect(rendered.trimmed.filter((k) => k !== 'headlines'), `${brief.topic} on ${name}`).toEqual([]);
        // No link left open by a cut.
        const text = JSON.stringify(rendered.message);
        expect(text, `${brief.topic} on ${name}`).not.toMatch(/\[[^\]]*…|<https:[^>|]*\|[^>]*…(?!>)/);
      }
    }
  });

  it('a section view cut to fit does not point the reader back to itself', () => {
    const brief = briefs.find((b) => b.topic === 'nato-status')!;
    const sources = Array.from({ length: 40 }, (_, i) => ({
      id: `s${i + 1}`,
      title: `A source with a long title, number ${i + 1}, ${'on Colombia and its partners '.repeat(3).trim()}`,
      publisher: 'An Example Publisher With A Long Name',
      url: `https://example.org/${'long-path-segment/'.repeat(8)}${i}`,
      published: '2025-07-16',
    }));
    const reply = briefReply({ ...brief, sources }, { section: 'sources', ephemeral: true, now, command: '/nato-status' });
    const discord = renderDiscord(reply);
    expect(discord.trimmed).toEqual(['sources']);
    expect(JSON.stringify(discord.message)).not.toContain('full brief: /nato-status section:sources');
  });

  it('runs a section longer than one embed on into the next, cutting nothing, when the message has room', () => {
    const brief = briefs.find((b) => b.topic === 'nato-status')!;
    const sentence = 'Colombia and NATO kept talking about training and cyber defence. ';
    const long = { ...brief, facts: Array.from({ length: 10 }, (_, i) => ({ text: `Fact ${i + 1}. ${sentence.repeat(6)}`, refs: ['s1'], line: 1 })) };
    const reply = briefReply(long, { section: 'facts', ephemeral: true, now, command: '/nato-status' });
    const discord = renderDiscord(reply);
    expect(discordViolations(discord.message)).toEqual([]);
    expect(discord.trimmed).toEqual([]);
    const descriptions = discord.message.embeds.map((e) => e.description ?? '');
    expect(descriptions.length).toBeGreaterThan(1);
    expect(descriptions.join('\n')).toContain('Fact 10.');
    expect(descriptions.join('\n')).not.toContain('…full brief');
  });

  it('fits /feeds for 300 feeds, a third failing with long URLs in their reasons, and says where the rest are', () => {
    const health = Array.from({ length: 300 }, (_, i) => ({
      ...newHealth(`google-news-colombia-search-${i}`, 'https://news.google.com/rss'),
      state: i % 3 === 0 ? ('failing' as const) : ('ok' as const),
      lastError: `HTTP 503 from https://news.google.com/rss/search?q=colombia+${i}&hl=es-419&gl=CO&ceid=CO:es-419`,
      consecutiveFailures: 2,
      nextAttemptAt: now,
    }));
    const reply = feedHealthReply(health, new Map(health.map((h) => [h.feed, now])), now);
    expect(reply.status).toBe('300 feeds: 200 working, 100 failing.');
    const discord = renderDiscord(reply);
    const slack = renderSlack(reply);
    expect(discordViolations(discord.message)).toEqual([]);
    expect(slackViolations(slack.message)).toEqual([]);
    expect(discord.trimmed).toEqual(['failing', 'working']);
    expect(JSON.stringify(discord.message.embeds)).toContain('every feed: briefbot feeds, where the bot runs');
    expect(JSON.stringify(slack.message.blocks)).toContain('every feed: briefbot feeds, where the bot runs');
  });
});

describe('untrusted text', () => {
  const hostile: Reply = {
    title: '@everyone <!channel>',
    status: '<@123> [click](https://evil.example) *bold* <https://evil.example|x> & more',
    sections: [],
    ephemeral: false,
    tone: 'info',
  };

  it('cannot ping or forge links on Slack', () => {
    // plain_text (the header) is never parsed by Slack; mrkdwn and the fallback text are.
    const m = renderSlack(hostile).message;
    const out = [m.text, ...m.blocks.map((b) => (b.type === 'section' ? b.text.text : ''))].join('\n');
    expect(out).not.toContain('<!channel>');
    expect(out).not.toContain('<@123>');
    expect(out).not.toContain('<https://evil.example|x>');
    expect(out).toContain('&lt;!channel&gt;');
  });

  it('cannot bold, italicise, strike out or open code on Slack: the marks become look-alikes; our own bold stays', () => {
    const m = renderSlack({
      title: 'T',
      status: 'Petro: *no* _never_ ~yes~ `code` ```fence',
      sections: [{ key: 'k', heading: 'Heading', items: [{ text: 'Colombia ~will~ leave', url: 'https://x.example/a_b~c' }], style: 'paragraph' }],
      ephemeral: false,
      tone: 'info',
    }).message;
    const texts = m.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
    expect(texts).toEqual([
      '*Petro: \u2217no\u2217 \u02cdnever\u02cd \u223cyes\u223c \u02cbcode\u02cb \u02cb\u02cb\u02cbfence*',
      '*Heading*\n<https://x.example/a_b~c|Colombia \u223cwill\u223c leave>',
    ]);
  });

  it('leaves an underscore inside a word on Slack, so a zone or URL a reader copies still works', () => {
    const m = renderSlack({
      title: 'T',
      status: 'America/Mexico_City · https://news.example/merge_requests/1 · snake_case_name · _x_ · a_ _b · é_x · a__b',
      sections: [],
      ephemeral: false,
      tone: 'info',
    }).message;
    const status = m.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []))[0];
    expect(status).toBe(
      '*America/Mexico_City · https://news.example/merge_requests/1 · snake_case_name · \u02cdx\u02cd · a\u02cd \u02cdb · é\u02cdx · a\u02cd\u02cdb*',
    );
  });

  it('gives Slack notifications the gist of an answer with no status line (an error), not its title alone', () => {
    const m = renderSlack({ title: 'Sorry', sections: [{ key: 'text', heading: '', items: [{ text: "There is no brief on 'venezuela'." }], style: 'paragraph' }], ephemeral: true, tone: 'error' }).message;
    expect(m.text).toBe("Sorry: There is no brief on 'venezuela'.");
  });

  it('cannot ping or forge links on Discord', () => {
    const m = renderDiscord(hostile).message;
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.embeds[0]!.description).not.toMatch(/(?<!\\)\[click\]\(/);
    expect(m.embeds[0]!.description).toContain('\\[click]\\(https\\://evil.example)');
  });
});
