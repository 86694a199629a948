import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Problem } from '../briefs/schema.js';
import { readYamlFile, repeatedEntries } from '../yaml-file.js';

const topicName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a topic is lowercase letters, digits and -');

export const feedSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'a feed needs a name').max(80),
    url: z.string().trim().min(1, 'a feed needs a url'),
    /** The outlet shown next to headlines; defaults to the site's name as the feed's title gives it (outlet.ts). */
    outlet: z.string().trim().min(1).max(80).optional(),
    language: z.string().regex(/^[a-z]{2}$/, 'language is a two-letter code such as en or es'),
    /** Only these topics may be tagged from this feed (a Google News search for one topic, say). */
    topics: z.array(topicName).min(1, 'topics, when given, lists at least one topic').optional(),
    /** Minutes between polls. */
    interval: z.number().int().min(5, 'interval is at least 5 minutes').max(1440).default(30),
    /**
     * A feed read from disk (file: URL, relative to feeds.yaml). Only allowed when marked, so a
     * moderator's typo can never make the bot read local files.
     */
    local: z.boolean().default(false),
    /**
     * Fetch this feed even from a loopback, private, link-local or metadata address (an intranet
     * feed; the tests' local server). Off when absent: feeds come from the public internet.
     */
    allow_private: z.boolean().optional(),
  })
  .superRefine((feed, ctx) => {
    const scheme = URL.canParse(feed.url) ? new URL(feed.url).protocol : undefined;
    if (feed.local && scheme !== 'file:' && !feed.url.startsWith('./') && !feed.url.startsWith('../')) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a local feed url is a relative path or a file: URL',
      });
    }
    if (!feed.local && scheme !== 'http:' && scheme !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'url must be an http(s) URL (or mark the feed local: true)',
      });
    }
    // Never sent (the fetcher does not log in), yet shown in every report and in /feeds in the chat.
    if (scheme && /^https?:$/.test(scheme) && (new URL(feed.url).username || new URL(feed.url).password)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'url must not hold a user name or password: they would not be sent, and /feeds would show them',
      });
    }
  });

export const feedsFileSchema = z.strictObject({
  // An empty list is a briefs-only deployment: no polling, no digests content.
  feeds: z.array(feedSchema),
});

export type FeedConfig = z.infer<typeof feedSchema>;

export interface FeedsLoad {
  feeds: FeedConfig[];
  problems: Problem[];
  /**
   * Feeds' `topics` that no brief names. Not fatal to a running bot: which briefs exist is the
   * moderators' live edit, and the feed still tags its other topics (lint fails on them).
   */
  unknownTopics: Problem[];
}

/** Parse and check a feeds file; problems carry the line of the offending value. */
export function loadFeeds(path: string, text?: string, knownTopics?: readonly string[]): FeedsLoad {
  const { data, raw, problems, lineAt } = readYamlFile(path, feedsFileSchema, text);
  // Checked on what the file says, so they are named with its other mistakes, not after them.
  problems.push(...repeated(path, raw, lineAt));
  problems.sort((a, b) => a.line - b.line);
  if (!data || problems.length > 0) return { feeds: [], problems, unknownTopics: [] };
  const unknownTopics: Problem[] = [];
  data.feeds.forEach((feed, i) => {
    (feed.topics ?? []).forEach((topic, j) => {
      if (knownTopics && !knownTopics.includes(topic)) {
        unknownTopics.push({
          file: path,
          line: lineAt(['feeds', i, 'topics', j]),
          message: `feed '${feed.name}': unknown topic '${topic}' (no brief names it)`,
        });
      }
    });
  });
  const base = dirname(resolve(path));
  const feeds = data.feeds.map((f) =>
    f.local && !f.url.startsWith('file:') ? { ...f, url: pathToFileURL(resolve(base, f.url)).href } : f,
  );
  return { feeds, problems, unknownTopics };
}

/**
 * A name used twice (their health would be one), or a URL (the second feed's items would all be the
 * first's, and it would look like a feed that never brings anything).
 */
function repeated(path: string, raw: unknown, lineAt: (at: (string | number)[]) => number): Problem[] {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const names = repeatedEntries(raw, 'feeds', (f) => text(f.name)).map(({ index, entry }) => ({
    file: path,
    line: lineAt(['feeds', index, 'name']),
    message: `feed name '${text(entry.name)}' is used twice`,
  }));
  const urls = repeatedEntries(raw, 'feeds', (f) => text(f.url)).map(({ index, entry, earlier }) => ({
    file: path,
    line: lineAt(['feeds', index, 'url']),
    message: `feed '${String(entry.name)}' has the same url as feed '${String(earlier.name)}'`,
  }));
  return [...names, ...urls];
}

/** Lint entry point, like brief lint: every problem with its file and line. */
export function lintFeeds(path: string, knownTopics?: readonly string[]): Problem[] {
  const { problems, unknownTopics } = loadFeeds(path, undefined, knownTopics);
  return [...problems, ...unknownTopics].sort((a, b) => a.line - b.line);
}
