import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Problem } from '../briefs/schema.js';

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
  let source: string;
  try {
    source = text ?? readFileSync(path, 'utf8');
  } catch (err) {
    return {
      feeds: [],
      problems: [{ file: path, line: 0, message: `cannot read: ${(err as Error).message}` }],
      unknownTopics: [],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    return {
      feeds: [],
      problems: doc.errors.map((e) => ({
        file: path,
        line: lineOf(e.pos[0]),
        message: `YAML: ${e.message.split('\n')[0]}`,
      })),
      unknownTopics: [],
    };
  }
  const parsed = feedsFileSchema.safeParse(doc.toJS());
  const problems: Problem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // An unknown key points at its own value, not at the feed that holds it.
      const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      const node = doc.getIn(at as (string | number)[], true) as { range?: [number, number] } | undefined;
      const parent = doc.getIn(issue.path.slice(0, -1) as (string | number)[], true) as {
        range?: [number, number];
      };
      const offset = node?.range?.[0] ?? parent?.range?.[0];
      problems.push({
        file: path,
        line: lineOf(offset),
        message: `${issue.path.join('.') || 'file'}: ${issue.message}`,
      });
    }
    return { feeds: [], problems: problems.sort((a, b) => a.line - b.line), unknownTopics: [] };
  }
  const names = new Set<string>();
  const unknownTopics: Problem[] = [];
  parsed.data.feeds.forEach((feed, i) => {
    if (names.has(feed.name)) {
      const node = doc.getIn(['feeds', i, 'name'], true) as { range?: [number, number] } | undefined;
      problems.push({
        file: path,
        line: lineOf(node?.range?.[0]),
        message: `feed name '${feed.name}' is used twice`,
      });
    }
    names.add(feed.name);
    (feed.topics ?? []).forEach((topic, j) => {
      if (knownTopics && !knownTopics.includes(topic)) {
        const node = doc.getIn(['feeds', i, 'topics', j], true) as { range?: [number, number] } | undefined;
        unknownTopics.push({
          file: path,
          line: lineOf(node?.range?.[0]),
          message: `feed '${feed.name}': unknown topic '${topic}' (no brief names it)`,
        });
      }
    });
  });
  const base = dirname(resolve(path));
  const feeds = parsed.data.feeds.map((f) =>
    f.local && !f.url.startsWith('file:') ? { ...f, url: pathToFileURL(resolve(base, f.url)).href } : f,
  );
  return { feeds, problems, unknownTopics };
}

/** Lint entry point, like brief lint: every problem with its file and line. */
export function lintFeeds(path: string, knownTopics?: readonly string[]): Problem[] {
  const { problems, unknownTopics } = loadFeeds(path, undefined, knownTopics);
  return [...problems, ...unknownTopics].sort((a, b) => a.line - b.line);
}
