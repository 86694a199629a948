import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { normaliseFeed } from '../src/core/feeds/normalise.js';
import { buildDigest, type DigestStory } from '../src/core/digests/build.js';
import { paginate } from '../src/core/paginate.js';
import type { Reply } from '../src/core/reply.js';
import { cleanText } from '../src/core/untrusted.js';
import { type DiscordMessage, renderDiscord } from '../src/platforms/discord/render.js';
import { renderText } from '../src/platforms/local/render.js';
import { renderSlack, type SlackMessage } from '../src/platforms/slack/render.js';
import { discordProblems, INVISIBLE, isHttp, slackProblems } from './helpers/inert.js';

/**
 * Untrusted feed text can never mention anyone, link anywhere we did not link, or forge structure.
 * Random digests whose every feed-reachable field (story title, summary, outlets, URL) mixes random
 * text with hostile pieces are rendered for Discord, Slack and the terminal, whole and split into
 * pages as the digest targets split them, and each payload is checked against the definitions of
 * "inert" in tests/helpers/inert.ts (D1–D6 for Discord, S1–S4 for Slack).
 */

/** More with PROPERTY_RUNS=5000 for a deeper search. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const LONG = Math.max(20_000, RUNS * 40);

const HOSTILE = [
  '@everyone', '@here', '@Everyone', '<@123>', '<@!123>', '<@&456>', '<#789>', '</digest:1>', '<t:1700000000:R>',
  '<:pwn:1>', '<!channel>', '<!here|x>', '<!everyone>', '<!subteam^S1>', '<@U0ADMIN>', '<#C0GENERAL|general>',
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202e', '\u2066', '\u00ad', '\u001b[2J', '\u2028',
  '＠everyone', '＠here', '＜!channel＞', '＜@123＞', '＜https://evil.example|x＞',
  '@\u200beveryone', '<\u200b@123>', '<@\u200d123>', '&lt;!channel&gt;', '&#60;@123&#62;', '&amp;', '&',
  '[x](https://evil.example)', '[x](<https://evil.example>)', '[x]', '](https://evil.example)',
  '<https://evil.example|x>', '<https://evil.example>', 'https://evil.example/bare', '<mailto:a@b.example|x>',
  '```', '```js\nx\n```', '`', '``', '\n# ', '\n## ', '\n-# ', '\n> ', '\n- ', '\n* ', '\n1. ', '\n', '\r\n',
  '# ', '> ', '||', '**', '__', '~~', '*', '_', '\\', '\\\\', '\\<@123>', '[', ']', '(', ')', '|', '<', '>',
  'javascript:alert(1)', ' ', '. ',
];

const hostileText = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(''));

const hostileUrl = fc.oneof(
  // http(s) URLs with hostile paths, queries and fragments (fc.webUrl is 100× slower to generate).
  fc
    .tuple(fc.constantFrom('http://', 'https://', 'HTTPS://'), fc.constantFrom('news.example', 'xn--bcher-kva.example', '127.0.0.1:8080'), hostileText)
    .map(([scheme, host, rest]) => `${scheme}${host}/${rest}`),
  fc.constantFrom(
    'javascript:alert(1)',
    'JavaScript:alert(document.cookie)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '//evil.example/x',
    '/relative/path',
    'https://evil.example/a)[x](https://b.example',
    'https://evil.example/<@123>',
    'https://evil.example/a|b>c<!channel>',
    'https://evil.example/a b?q=1&r=<2>',
    'https://evil.example/?a=1&b=2',
    'http://[::1]/x',
  ),
  hostileText,
);

const TOPICS = [
  { topic: 'nato-status', title: 'Colombia and NATO' },
  { topic: 'china-ties', title: 'Colombia and China' },
];
const SLOT = new Date('2026-03-02T13:00:00Z');

const story: fc.Arbitrary<DigestStory> = fc.record({
  title: hostileText,
  url: hostileUrl,
  outlets: fc.array(hostileText, { minLength: 1, maxLength: 3 }),
  published: fc.integer({ min: 0, max: 72 }).map((h) => new Date(SLOT.getTime() - h * 3_600_000)),
  summary: fc.option(hostileText, { nil: undefined }),
  topics: fc.subarray(['nato-status', 'china-ties'], { minLength: 1 }),
});

const digest = fc.array(story, { minLength: 1, maxLength: 8 }).map((stories) => ({
  stories,
  reply: buildDigest({ topics: TOPICS, stories, timezone: 'America/Bogota', slot: SLOT, cap: 10, covered: undefined }),
}));

/** The whole digest and its pages, as the digest targets split them. */
function discordPayloads(reply: Reply): DiscordMessage[] {
  const pages = paginate(reply, (p) => renderDiscord(p).trimmed.length === 0);
  return [reply, ...pages].map((r) => renderDiscord(r).message);
}
function slackPayloads(reply: Reply): SlackMessage[] {
  const pages = paginate(reply, (p) => renderSlack(p).trimmed.length === 0);
  return [reply, ...pages].map((r) => renderSlack(r).message);
}

describe('untrusted feed text is inert on every platform (property)', () => {
  // One property for the three renderers: building a digest is the costly part, so build once.
  it(`Discord (D1–D6), Slack (S1–S4) and terminal payloads are inert (${RUNS} random digests)`, () => {
    fc.assert(
      fc.property(digest, ({ stories, reply }) => {
        if (!reply) return;
        for (const m of discordPayloads(reply)) expect(discordProblems(m, stories)).toEqual([]);
        for (const m of slackPayloads(reply)) expect(slackProblems(m, stories)).toEqual([]);
        const text = renderText(reply);
        expect(text).not.toMatch(INVISIBLE);
        for (const s of stories) if (!isHttp(s.url) && s.url.trim()) expect(text).not.toContain(`<${s.url}>`);
      }),
      { numRuns: RUNS },
    );
  }, LONG);
});

describe('untrusted feed text: the cases by name', () => {
  const one = (s: Partial<DigestStory>): { stories: DigestStory[]; reply: Reply } => {
    const stories = [
      { title: 'T', url: 'https://news.example/a', outlets: ['O'], published: SLOT, topics: ['nato-status'], ...s },
    ];
    return { stories, reply: buildDigest({ topics: TOPICS, stories, timezone: 'UTC', slot: SLOT, cap: 10, covered: undefined })! };
  };

  it('a javascript: item link is shown as its headline, never as a link', () => {
    const { stories, reply } = one({ title: 'Click me', url: 'javascript:alert(1)' });
    const d = renderDiscord(reply).message.embeds.map((e) => e.description).join('\n');
    const s = renderSlack(reply).message.blocks.map((b) => JSON.stringify(b)).join('\n');
    expect(d).toContain('Click me');
    expect(d).not.toContain('](javascript');
    expect(s).toContain('Click me');
    expect(s).not.toContain('javascript:');
    expect(discordProblems(renderDiscord(reply).message, stories)).toEqual([]);
  });

  it('mentions in a headline show as typed text: escaped on Discord, entity-escaped on Slack', () => {
    const { reply } = one({ title: '@everyone <@123> <!channel> [x](https://evil.example)' });
    const d = renderDiscord(reply).message.embeds.map((e) => e.description).join('\n');
    expect(d).toContain('\\@everyone \\<\\@123\\> \\<!channel\\> \\[x\\]\\(https\\://evil.example)');
    const s = renderSlack(reply).message.blocks.map((b) => (b.type === 'section' ? b.text.text : '')).join('\n');
    expect(s).toContain('@everyone &lt;@123&gt; &lt;!channel&gt; [x](https://evil.example)');
  });

  it('zero-width and bidi characters are removed, look-alikes kept as text', () => {
    expect(cleanText('@\u200bever\u200cy\u200done\u2060\ufeff \u202egnp.exe')).toBe('@everyone gnp.exe');
    expect(cleanText('＠everyone ＜!channel＞')).toBe('＠everyone ＜!channel＞');
    expect(cleanText('\u001b[31mred\u001b[0m')).toBe('[31mred[0m');
  });
});

describe('the feed normaliser cleans items before they are stored', () => {
  const feed: FeedConfig = { name: 'hostile', url: 'https://feed.example/rss', language: 'en', interval: 30, local: false };
  const item = (over: Record<string, unknown>) => ({ title: 'Headline', link: 'https://news.example/a', guid: 'g', ...over });

  it('drops links that are not http(s), resolving relative ones against the feed', () => {
    const links = ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'mailto:a@b.example', '/relative', 'https://ok.example/x'];
    const { items } = normaliseFeed({ title: 'F', link: 'https://feed.example/', items: links.map((link, i) => item({ link, guid: `g${i}` })) }, feed, feed.url, SLOT);
    expect(items.map((i) => i.link)).toEqual([undefined, undefined, undefined, undefined, undefined, 'https://feed.example/relative', 'https://ok.example/x']);
  });

  it('removes invisible characters from title, summary and outlet', () => {
    const { items } = normaliseFeed(
      { title: 'F', link: '', items: [item({ title: 'NA\u200bTO \u202etxet', summary: 'a\u2060b\ufeff', source: 'Out\u200dlet\u0007' })] },
      feed,
      feed.url,
      SLOT,
    );
    expect(items[0]).toMatchObject({ title: 'NATO txet', summary: 'ab', outlet: 'Outlet' });
  });
});
