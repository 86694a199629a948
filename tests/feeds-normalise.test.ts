import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { canonicalLink } from '../src/core/feeds/canonical.js';
import { lintFeeds } from '../src/core/feeds/config.js';
import { decodeFeedBody } from '../src/core/feeds/decode.js';
import { normaliseFeed, textOf } from '../src/core/feeds/normalise.js';
import { outletOf } from '../src/core/feeds/outlet.js';
import { prepareFeed } from '../src/core/feeds/prepare.js';
import { readFeedDocument } from '../src/core/feeds/read.js';
import { compileTopics } from '../src/core/feeds/tag.js';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { CORPUS_DIR, hasCorpus } from './helpers/feed-server.js';
import { decodeEntities } from '../src/core/feeds/entities.js';
import { collapseSpace, htmlToText, isInline } from '../src/core/feeds/text.js';
import { cleanText } from '../src/core/untrusted.js';

const feed = { name: 'f', url: 'https://example.org/rss', language: 'es', interval: 30, local: false };
const now = new Date('2026-01-10T12:00:00Z');

describe('decoding feed bytes', () => {
  const text = '<?xml version="1.0" encoding="windows-1252"?><t>Petro “dejará” la OTAN: año, señal</t>';
  const bytes = iconv.encode(text, 'windows-1252');

  it('given a Windows-1252 prolog, then curly quotes survive (Node’s TextDecoder turns them into C1 controls)', () => {
    expect(decodeFeedBody(bytes)).toMatchObject({ text, encoding: 'windows-1252', source: 'prolog' });
    expect(new TextDecoder('windows-1252').decode(bytes)).not.toBe(text);
  });

  it('given a header charset, then it wins over the prolog; an unknown label falls through', () => {
    const latin = iconv.encode('<?xml version="1.0" encoding="utf-8"?><t>año</t>', 'latin1');
    expect(decodeFeedBody(latin, 'text/xml; charset=ISO-8859-1')).toMatchObject({
      encoding: 'windows-1252',
      source: 'header',
    });
    expect(decodeFeedBody(bytes, 'text/xml; charset=bogus-9').source).toBe('prolog');
  });

  it('given a UTF-16 BOM and no readable prolog, then the BOM decides and is stripped', () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-16"?><t>ñ</t>', 'utf16le'),
    ]);
    expect(decodeFeedBody(utf16)).toMatchObject({
      text: '<?xml version="1.0" encoding="UTF-16"?><t>ñ</t>',
      source: 'bom',
    });
    expect(decodeFeedBody(Buffer.from('\ufeff<t>ñ</t>'))).toMatchObject({ text: '<t>ñ</t>', source: 'bom' });
    expect(decodeFeedBody(Buffer.from('<t>ñ</t>'))).toMatchObject({ text: '<t>ñ</t>', source: 'default' });
  });

  it('given a UTF-8 BOM and a header or prolog that says otherwise, then the BOM wins, as in browsers (the feed failed to parse before)', async () => {
    // A server's default charset over a UTF-8 file with a BOM: the BOM read as Windows-1252 was "ï»¿".
    const doc = '<?xml version="1.0" encoding="us-ascii"?><rss version="2.0"><channel><title>Bogotá</title><item><title>Petro y la OTAN</title></item></channel></rss>';
    const body = Buffer.from(`\ufeff${doc}`);
    expect(decodeFeedBody(body, 'application/rss+xml; charset=ISO-8859-1')).toMatchObject({ text: doc, encoding: 'utf-8', source: 'bom' });
    expect(decodeFeedBody(body)).toMatchObject({ text: doc, encoding: 'utf-8', source: 'bom' });
    const feed = await readFeedDocument(decodeFeedBody(body, 'text/xml; charset=iso-8859-1').text);
    expect(feed.title).toBe('Bogotá');
    expect(feed.items.map((i) => i.title)).toEqual(['Petro y la OTAN']);
  });

  it.skipIf(!hasCorpus)('given the feed validator’s UTF-8 BOM with an ASCII prolog (an empty channel), then it reads', async () => {
    const bytes = readFileSync(join(CORPUS_DIR, 'w3c-feedvalidator/rss/must/xml_utf-8_bom_with_ascii_declaration.xml'));
    await expect(readFeedDocument(decodeFeedBody(bytes).text)).resolves.toMatchObject({ items: [] });
  });

  it('given UTF-16 or UTF-32 without a BOM, or UTF-32 with one, then the first bytes tell which (they read as no document at all before)', () => {
    const doc = '<rss version="2.0"><channel><title>Bogotá</title></channel></rss>';
    const utf16be = Buffer.from(doc, 'utf16le').swap16();
    expect(decodeFeedBody(utf16be)).toMatchObject({ text: doc, encoding: 'utf-16be', source: 'prolog' });
    expect(decodeFeedBody(Buffer.from(`<?xml version="1.0"?>${doc}`, 'utf16le'))).toMatchObject({
      text: `<?xml version="1.0"?>${doc}`,
      encoding: 'utf-16le',
    });
    expect(decodeFeedBody(iconv.encode(doc, 'utf-32be'))).toMatchObject({ text: doc, encoding: 'utf-32be', source: 'prolog' });
    expect(decodeFeedBody(iconv.encode(doc, 'utf-32le', { addBOM: true }))).toMatchObject({ text: doc, encoding: 'utf-32le', source: 'bom' });
    // UTF-16LE's mark is not taken for UTF-32's.
    expect(decodeFeedBody(iconv.encode(doc, 'utf-16le', { addBOM: true }))).toMatchObject({ text: doc, encoding: 'utf-16le', source: 'bom' });
  });
});

describe('normalising items', () => {
  it('given hostile fields, then every item survives with plain text, a canonical link and a trusted date', () => {
    const { items, skipped } = normaliseFeed(
      {
        title: { _: 'Diario', $: { type: 'text' } },
        link: 'https://example.org/',
        items: [
          {
            title: { _: 'Petro &amp; la <b>OTAN</b>', $: { type: 'html' } },
            link: '/a/1?utm_source=rss&id=7#comments',
            guid: { _: 'guid-1', $: { isPermaLink: 'false' } },
            pubDate: 'not a date',
            content: '<p>Primera&nbsp;línea</p>\n\n<p>segunda   línea</p>',
          },
          { title: 12345, link: 'https://example.org/b', isoDate: '2099-01-01T00:00:00Z' },
          { title: ['Array title'], link: 'javascript:alert(1)', pubDate: '2026-01-09 10:00' },
          { link: 'https://example.org/empty' },
          { summary: 'Only a summary, which becomes the title' },
        ],
      },
      feed,
      feed.url,
      now,
    );
    expect(skipped).toBe(1);
    expect(items[0]).toMatchObject({
      title: 'Petro & la OTAN',
      link: 'https://example.org/a/1?id=7',
      guid: 'guid-1',
      summary: 'Primera línea segunda línea',
      outlet: 'Diario',
      publishedAt: now,
      dateSource: 'first-seen',
    });
    expect(items[1]).toMatchObject({
      title: '12345',
      guid: 'https://example.org/b',
      dateSource: 'first-seen',
    });
    expect(items[2]).toMatchObject({ title: 'Array title', link: undefined, dateSource: 'feed' });
    expect(items[2]?.publishedAt.toISOString()).toBe('2026-01-09T10:00:00.000Z');
    expect(items[3]?.title).toBe('Only a summary, which becomes the title');
    expect(items[3]?.guid).toMatch(/^hash:[0-9a-f]{24}$/);
  });

  it('given junk dates, dates ahead of the clock, blank titles, disguised links and long astral text, then none reaches a reader as such', () => {
    const hour = 3600_000;
    const bold = '\u{1d40d}\u{1d400}\u{1d413}\u{1d40e}'.repeat(80);
    const { items, skipped } = normaliseFeed(
      {
        title: 'Diario',
        link: 'https://example.org/',
        items: [
          // V8 reads these as 2001-01-01 and 2001-07-01: the story would be dropped as old backlog.
          { title: 'Junk date one', link: 'https://example.org/1', pubDate: '1' },
          { title: 'Junk date two', link: 'https://example.org/2', pubDate: 'Issue 7' },
          { title: 'Two-digit year', link: 'https://example.org/3', pubDate: 'Sat, 10 Jan 26 09:00:00 GMT' },
          // Within a day ahead (a wrong zone): read as now, not ranked above every honest story.
          { title: 'Ahead of the clock', link: 'https://example.org/4', isoDate: new Date(now.getTime() + 23 * hour).toISOString() },
          { title: '\u3164', link: 'https://example.org/5', content: 'The summary stands in for a blank title.' },
          { title: '\u2800\u2800\u115f\u1160\u034f\ufe0f', link: 'https://example.org/6' },
          { title: 'Disguised', link: 'https://www.bbc.co.uk:443@evil.example/news/world' },
          { title: bold, link: 'https://example.org/7' },
        ],
      },
      feed,
      feed.url,
      now,
    );
    const byLink = (path: string) => items.find((i) => i.link === `https://example.org/${path}`);
    expect(byLink('1')).toMatchObject({ publishedAt: now, dateSource: 'first-seen' });
    expect(byLink('2')).toMatchObject({ publishedAt: now, dateSource: 'first-seen' });
    expect(byLink('3')).toMatchObject({ publishedAt: new Date('2026-01-10T09:00:00Z'), dateSource: 'feed' });
    expect(byLink('4')).toMatchObject({ publishedAt: now, dateSource: 'feed' });
    expect(byLink('5')?.title).toBe('The summary stands in for a blank title.');
    expect(byLink('6')).toBeUndefined();
    expect(skipped).toBe(1);
    expect(items.find((i) => i.title === 'Disguised')?.link).toBe('https://evil.example/news/world');
    const long = byLink('7')?.title ?? '';
    expect(long.endsWith('…')).toBe(true);
    // No half of an astral character left before the ellipsis (it shows as �).
    expect(long).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('given Google News items, then the outlet comes from <source> and leaves the title', () => {
    const { items } = normaliseFeed(
      {
        title: 'Google News',
        link: undefined,
        items: [{ title: 'Colombia y la OTAN - El Tiempo', source: { _: 'El Tiempo', $: { url: 'x' } } }],
      },
      feed,
      feed.url,
      now,
    );
    expect(items[0]).toMatchObject({ title: 'Colombia y la OTAN', outlet: 'El Tiempo' });
  });

  it('given a headline ending in its outlet’s name (however spelt, after - – — or |, even twice), then the name goes; anything else stays', () => {
    const titles = (outlet: string | undefined, ...entries: { title: string; source?: string }[]) =>
      normaliseFeed({ title: 'Some Site', link: undefined, items: entries }, { ...feed, ...(outlet ? { outlet } : {}) }, feed.url, now).items.map((i) => i.title);
    expect(
      titles(
        'El Tiempo',
        { title: 'Petro confirma: Colombia sale de la OTAN | El Tiempo' },
        { title: 'Avianca opens route to Beijing – EL TIEMPO' },
        { title: 'Another 50-50 Senate - POLITICO - POLITICO', source: 'POLITICO' },
        // Names that hold a separator themselves.
        { title: 'Colombia quits NATO partnership - Al - Monitor', source: 'Al - Monitor' },
        { title: 'Petro visits Beijing - The Times-Picayune', source: 'The Times-Picayune' },
        { title: 'Petro y Xi firman acuerdos - Noticias Caracol | Caracol TV', source: 'Noticias Caracol | Caracol TV' },
        // Not an outlet: part of the headline.
        { title: 'Colombia and NATO - what changes' },
        { title: 'Petro vs. Trump: round two | Analysis' },
        // The outlet's name is all there is besides one word: kept whole.
        { title: 'Editorial - El Tiempo' },
      ),
    ).toEqual([
      'Petro confirma: Colombia sale de la OTAN',
      'Avianca opens route to Beijing',
      'Another 50-50 Senate',
      'Colombia quits NATO partnership',
      'Petro visits Beijing',
      'Petro y Xi firman acuerdos',
      'Colombia and NATO - what changes',
      'Petro vs. Trump: round two | Analysis',
      'Editorial - El Tiempo',
    ]);
  });

  it('given text helpers, then HTML is flattened, capped at a word and odd values are absent', () => {
    // Escaped twice, "<b>" is still a tag: an inline one, which parts no words.
    expect(htmlToText('<script>x()</script>a&lt;b&gt;c&#8220;d&#x201d; &eacute;', 100)).toBe('ac“d” é');
    expect(htmlToText('<p>In a <a href="/x">statement</a>, the <em>BKA</em> said</p><p>More</p>', 100)).toBe('In a statement, the BKA said More');
    // Every HTML entity with its semicolon; none without, as a URL's query is left unescaped.
    expect(htmlToText('&infin; &check; &#150; &amp;amp; ?a=1&region=es&not=2&copy2024', 100)).toBe('∞ ✓ – &amp; ?a=1&region=es&not=2&copy2024');
    expect(htmlToText('one two three four five', 16)).toBe('one two three…');
    expect(textOf({ nope: 1 })).toBeUndefined();
    expect(canonicalLink('HTTPS://Example.ORG:443/x?fbclid=1#y')).toBe('https://example.org/x');
  });

  it('given links in every shape, then each has one spelling, and what is not a web link is absent', () => {
    const base = 'https://outlet.example/news/feed?utm_source=rss#top';
    expect(canonicalLink('https://outlet.example/a#', base)).toBe('https://outlet.example/a');
    expect(canonicalLink('https://outlet.example/a?', base)).toBe('https://outlet.example/a');
    expect(canonicalLink('https://outlet.example/a?id=7&utm_medium=x', base)).toBe('https://outlet.example/a?id=7');
    // Relative links take the base's path and query, never its fragment.
    expect(canonicalLink('story/1', base)).toBe('https://outlet.example/news/story/1');
    expect(canonicalLink(' ', base)).toBe('https://outlet.example/news/feed');
    expect(canonicalLink('?id=2#c', base)).toBe('https://outlet.example/news/feed?id=2');
    expect(canonicalLink('javascript:alert(1)', base)).toBeUndefined();
    expect(canonicalLink('http://[::1', base)).toBeUndefined();
    expect(canonicalLink('story/1')).toBeUndefined();
  });

  it('given whitespace of any kind, then each run reads as one space and none is left at the ends', () => {
    const unit = fc.oneof(
      fc.constantFrom(' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2003', '\u3000', '\ufeff', 'a', 'é'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        const words = text.split(/\s+/).filter((w) => w.length > 0);
        expect(collapseSpace(text)).toBe(words.join(' '));
      }),
      { numRuns: 2000 },
    );
  });

  it('given text with no markup or entity, then the plain-text shortcut gives what the HTML path gives', () => {
    // Wrapped in a tag, the same text must take the full HTML path, which turns the tag into a space.
    const unit = fc.oneof(
      fc.constantFrom(' ', '\n', '\t', '\u200b', '\u2028', '>', 'é', '”', '\u0007'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const plain = fc.string({ unit, maxLength: 80 }).filter((t) => !/[<&]/.test(t));
    fc.assert(
      fc.property(plain, fc.integer({ min: 2, max: 90 }), (text, max) => {
        expect(htmlToText(text, max)).toBe(htmlToText(`<b>${text}</b>`, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('given any mix of tags, comments, CDATA and scripts, closed or not, then the text is what the lazy regexes it replaces gave', () => {
    // The regexes htmlToText used before replaceSpans: the reference for what the text must be.
    const reference = (html: string) => {
      const noBlocks = html
        .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
        .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<!--[\s\S]*?-->/g, ' ');
      // Inline tags part no words; the others read as a space.
      const tags = (text: string) => text.replace(/<\/?([a-zA-Z][\w:-]*)[^>]*>/g, (_, name: string) => (isInline(name) ? '' : ' '));
      return collapseSpace(cleanText(tags(decodeEntities(tags(noBlocks)))));
    };
    const piece = fc.constantFrom(
      '<', '>', '</', '<p>', '</p>', '<a href="x">', '</a>', '<br/>', '<B>', '</span >', '<em', '<x:y>', '<p1>', '<x ', '<!--', '-->', '<![CDATA[', ']]>',
      '<script>', '</script>', '<STYLE a=1>', '</style >', '<style>', '</SCRIPT>', '<scripts>', '&lt;b&gt;', '&lt;', '&amp;',
      '&eacute;', ' ', 'text', 'é',
    );
    const html = fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(html, (h) => {
        expect(htmlToText(h, 10_000)).toBe(reference(h));
      }),
      // A style holds a <script> as text (one run in ten found this when scripts went first).
      { numRuns: 3000, examples: [['<STYLE a=1><script></style >!</script>']] },
    );
  });
});

describe('the outlet of a feed that feeds.yaml names none for', () => {
  it('given real feeds’ titles and sites, then the part naming the site, a short title, or else the site’s host', () => {
    const cases: [string, string, string][] = [
      ['BBC News - World', 'https://www.bbc.co.uk/news/', 'BBC News'],
      ['The Latest News from the UK and Around the World | Sky News', 'https://news.sky.com/home', 'Sky News'],
      ['NYT > Top Stories', 'https://www.nytimes.com', 'NYT'],
      ['MacRumors: Mac News and Rumors - All Stories', 'https://www.macrumors.com', 'MacRumors'],
      ['HuffPost - Breaking News, U.S. and World News', 'https://www.huffpost.com/', 'HuffPost'],
      ['The Verge - Front Pages', 'https://www.theverge.com/', 'The Verge'],
      ['Press Releases – United States Department of State', 'https://www.state.gov/', 'United States Department of State'],
      ['www.telegraph.co.uk for the latest news from the UK and around the world.', 'http://www.telegraph.co.uk/', 'telegraph.co.uk'],
      ['El País', 'https://elpais.com/', 'El País'],
      ['Eugen Rochko', 'https://mastodon.social/@Gargron', 'Eugen Rochko'],
    ];
    expect(cases.map(([title, site]) => outletOf(title, site))).toEqual(cases.map(([, , outlet]) => outlet));
    expect(outletOf(undefined, 'https://www.insightcrime.org/feed/')).toBe('insightcrime.org');
  });

  it('given an outlet in feeds.yaml or a <source> on the item, then those win over the feed’s title', () => {
    const raw = { title: 'BBC News - World', link: 'https://www.bbc.co.uk/news/', items: [{ title: 'One' }, { title: 'Two', source: 'Reuters' }] };
    const outlets = (config: typeof feed & { outlet?: string }) => normaliseFeed(raw, config, feed.url, now).items.map((i) => i.outlet);
    expect(outlets(feed)).toEqual(['BBC News', 'Reuters']);
    expect(outlets({ ...feed, outlet: 'BBC' })).toEqual(['BBC', 'Reuters']);
  });
});

describe('what a site appends to every summary', () => {
  const summaryOf = (description: string, title = 'A headline') =>
    normaliseFeed({ title: 'F', link: undefined, items: [{ title, content: description }] }, feed, feed.url, now).items[0]?.summary;

  it('given WordPress, Guardian, Slashdot and "read more" trailers, then the summary ends where the story’s text does', () => {
    expect(summaryOf('Petro met Xi in Beijing. [&#8230;] The post Petro in China appeared first on Colombia Reports.')).toBe('Petro met Xi in Beijing. …');
    expect(summaryOf('El presidente habló. La entrada Petro y la OTAN se publicó primero en Colombia.com.')).toBe('El presidente habló.');
    expect(summaryOf('Bogotá weighs its options after the verdict Continue reading...')).toBe('Bogotá weighs its options after the verdict');
    expect(summaryOf('Speeds range between 5 and 20 Mbps. Read more of this story at Slashdot.')).toBe('Speeds range between 5 and 20 Mbps.');
    expect(summaryOf('I took two steps... [read more]')).toBe('I took two steps...');
    expect(summaryOf('Notes from my talk today… Continue reading on »')).toBe('Notes from my talk today…');
    expect(summaryOf('Facebook was crazy to buy […]')).toBe('Facebook was crazy to buy…');
    expect(summaryOf('La Cancillería respondió a Washington. Continuar leyendo »')).toBe('La Cancillería respondió a Washington.');
    // Words like these inside the story's own text stay.
    expect(summaryOf('Readers want to read more')).toBe('Readers want to read more');
    expect(summaryOf('The post office in Cali closed; it appeared first on a list of cuts, officials said')).toBe(
      'The post office in Cali closed; it appeared first on a list of cuts, officials said',
    );
    // A trailer beyond the summary's length no longer costs the story's own words.
    const long = `${'word '.repeat(119)}end.`;
    expect(summaryOf(`${long} The post A headline appeared first on Colombia Reports.`)).toBe(long);
  });

  it('given a China story whose summary ends "appeared first on Colombia Reports", then it is not tagged china-ties (the site’s name was the only Colombia in it)', () => {
    const library = new BriefLibrary('briefs');
    library.load();
    const prepared = prepareFeed(
      {
        title: 'Colombia Reports',
        link: undefined,
        items: [
          {
            title: 'China opens a deep-water port in Peru',
            guid: '1',
            content: 'Beijing’s Belt and Road reaches Chancay. The post China opens a deep-water port in Peru appeared first on Colombia Reports.',
          },
        ],
      },
      { feed, fetchedUrl: feed.url, now },
      compileTopics(library.list()),
    );
    expect(prepared.items[0]?.summary).toBe('Beijing’s Belt and Road reaches Chancay.');
    expect(prepared.items[0]?.tags).toEqual([]);
  });

  it.skipIf(!hasCorpus)('given The Guardian’s real feeds, then no summary ends in "Continue reading..."', async () => {
    let count = 0;
    const ends: string[] = [];
    for (const file of ['rowanmanning-sample-feeds/real-world/2d055498_the-guardian.xml', 'rss-parser/guardian.rss']) {
      const raw = await readFeedDocument(decodeFeedBody(readFileSync(join(CORPUS_DIR, file))).text);
      const { items } = normaliseFeed(raw, feed, feed.url, now);
      count += items.length;
      ends.push(...items.map((i) => i.summary).filter((s) => /continue reading/i.test(s)));
    }
    expect(count).toBeGreaterThan(50);
    expect(ends).toEqual([]);
  });
});

describe('lintFeeds', () => {
  it('given mistakes, then each is reported as file:line with the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-lint-'));
    const file = join(dir, 'feeds.yaml');
    writeFileSync(
      file,
      'feeds:\n  - name: a\n    url: ftp://x\n    language: english\n  - name: b\n    url: https://x\n    language: en\n    intervl: 3\n',
    );
    expect(lintFeeds(file)).toEqual([
      { file, line: 3, message: 'feeds.0.url: url must be an http(s) URL (or mark the feed local: true)' },
      { file, line: 4, message: 'feeds.0.language: language is a two-letter code such as en or es' },
      { file, line: 8, message: 'feeds.1: Unrecognized key: "intervl"' },
    ]);
    writeFileSync(file, 'feeds:\n  - name: a\n    url: https://x\n    language: en\n    topics: [nato]\n');
    expect(lintFeeds(file, ['nato-status'])).toEqual([
      { file, line: 5, message: "feed 'a': unknown topic 'nato' (no brief names it)" },
    ]);
    writeFileSync(file, 'feeds: [\n');
    expect(lintFeeds(file)[0]?.message).toMatch(/^YAML: /);
    // A name or URL used twice is named with the file's other mistakes, not once they are fixed;
    // a password in a URL is refused (never sent, and it would show in /feeds).
    writeFileSync(
      file,
      [
        'feeds:',
        '  - name: a',
        '    url: https://x.example/rss',
        '    language: en',
        '    interval: 1',
        '  - name: a',
        '    url: https://y.example/rss',
        '    language: en',
        '  - name: b',
        '    url: https://x.example/rss',
        '    language: en',
        '  - name: c',
        '    url: https://user:s3cret@z.example/rss',
        '    language: en',
      ].join('\n'),
    );
    expect(lintFeeds(file)).toEqual([
      { file, line: 5, message: 'feeds.0.interval: interval is at least 5 minutes' },
      { file, line: 6, message: "feed name 'a' is used twice" },
      { file, line: 10, message: "feed 'b' has the same url as feed 'a'" },
      { file, line: 13, message: 'feeds.3.url: url must not hold a user name or password: they would not be sent, and /feeds would show them' },
    ]);
  });

  it('given the shipped feeds.yaml and examples/feeds.yaml, then there are no problems', () => {
    const topics = ['nato-status', 'decertification', 'china-ties'];
    expect(lintFeeds(join(import.meta.dirname, '..', 'feeds.yaml'), topics)).toEqual([]);
    expect(lintFeeds(join(import.meta.dirname, '..', 'examples', 'feeds.yaml'), topics)).toEqual([]);
  });
});
