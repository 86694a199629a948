import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { decodeFeedBody } from '../src/core/feeds/decode.js';
import { asFeedError } from '../src/core/feeds/errors.js';
import { createFeedParser } from '../src/core/feeds/parse.js';
import type { PreparedFeed } from '../src/core/feeds/prepare.js';
import { compileTopics, type TopicRules, tagItem } from '../src/core/feeds/tag.js';
import { CORPUS_DIR, hasCorpus } from './helpers/feed-server.js';
import { scanTags } from './helpers/scan-tags.js';

const PER_FILE_MS = 2000;
const briefs = new BriefLibrary('briefs');
briefs.load();
const rules: TopicRules[] = briefs.list().map(({ topic, match }) => ({ topic, match }));
const WORKERS = 2;
const parser = createFeedParser({ timeoutMs: PER_FILE_MS, workers: WORKERS });
afterAll(() => parser.close());

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.(tsv|md)$/.test(e.name) ? [] : [join(dir, e.name)],
  );
}

const feed: FeedConfig = {
  name: 'corpus',
  url: 'https://example.org/feed',
  language: 'en',
  interval: 30,
  local: false,
  // The test server is on 127.0.0.1: a private address, refused unless the feed allows it.
  allow_private: true,
};

describe.skipIf(!hasCorpus)('the shared feed corpus', () => {
  it('given every file, then parse + normalise + tag (in the worker, as a poll does) never crashes or hangs, and each failure has a reason', async () => {
    const files = walk(CORPUS_DIR).filter((f) => statSync(f).size < 5 * 1024 * 1024);
    const now = new Date();
    const reasons = new Map<string, number>();
    let parsed = 0;
    let items = 0;
    let tagged = 0;
    let slowest = { file: '', ms: 0 };
    const started = Date.now();
    const queue = [...files];
    const one = async (file: string) => {
      const t0 = Date.now();
      let result: PreparedFeed;
      try {
        const { text } = decodeFeedBody(readFileSync(file));
        result = await parser.prepare(text, { feed, fetchedUrl: feed.url, now }, rules);
      } catch (err) {
        const e = asFeedError(err, 'parse');
        expect(e.message.length).toBeGreaterThan(0);
        // A reason a moderator can act on, never a parser's own crash passed through.
        expect(e.message, relative(CORPUS_DIR, file)).not.toMatch(/Cannot read properties|is not a function|call stack/);
        reasons.set(e.code, (reasons.get(e.code) ?? 0) + 1);
        return;
      } finally {
        const ms = Date.now() - t0;
        if (ms > slowest.ms) slowest = { file: relative(CORPUS_DIR, file), ms };
      }
      parsed++;
      items += result.items.length;
      // Real-world text (every script, entity and stray mark), tagged by the briefs' rules (in the
      // worker) and by rules made of the file's first headline, as the word scan that tagging replaced tags it.
      // Word heads and tails as whole words must not match inside longer words; a phrase must
      // match consecutive words; a prefix any word it starts.
      const words = (result.items[0]?.title.split(/\s+/) ?? []).filter((w) => w.length > 5);
      const rule = (topic: string, all: string[][], none: string[] = []): TopicRules => ({ topic, match: { all, none } });
      const own: TopicRules[] =
        words.length < 3
          ? []
          : [
              rule('heads', [words.map((w) => w.slice(0, 4))]),
              rule('tails', [words.map((w) => w.slice(-4))]),
              rule('phrase', [[`${words[0]} ${words[1]}`], [words[2]!]]),
              rule('prefix', [[`${words[1]!.slice(0, 3)}*`]], words.slice(3, 4)),
            ];
      const ownTopics = compileTopics(own);
      for (const item of result.items) {
        expect(typeof item.title).toBe('string');
        expect(Number.isFinite(item.publishedAt.getTime())).toBe(true);
        const tags = [...item.tags, ...tagItem(item, ownTopics)];
        expect(tags, relative(CORPUS_DIR, file)).toEqual([...scanTags(item, rules), ...scanTags(item, own)]);
        if (tags.length > 0) tagged++;
      }
    };
    // As many files in flight as there are workers: each file's time is its own, not queueing.
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        for (let file = queue.shift(); file; file = queue.shift()) await one(file);
      }),
    );
    const failed = files.length - parsed;
    console.log(
      `corpus: ${files.length} files, ${parsed} parsed (${((100 * parsed) / files.length).toFixed(1)} %), ${items} items (${tagged} tagged), ` +
        `${failed} failed ${JSON.stringify(Object.fromEntries(reasons))} in ${Date.now() - started} ms; ` +
        `slowest ${slowest.file} ${slowest.ms} ms (limit ${PER_FILE_MS} ms)`,
    );
    expect(parsed).toBeGreaterThan(files.length * 0.85);
  }, 60_000);
});
