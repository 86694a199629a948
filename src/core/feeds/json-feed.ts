import { FeedError } from './errors.js';
import type { RawFeed } from './read.js';

/**
 * JSON Feed 1.0/1.1 (jsonfeed.org), which rss-parser does not read: mapped onto the same raw fields
 * so normalisation treats it like any other feed.
 */
export function parseJsonFeed(text: string): RawFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FeedError('parse', `malformed JSON: ${(err as Error).message}`);
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    !String((doc as { version?: unknown }).version).includes('jsonfeed')
  ) {
    throw new FeedError('not-a-feed', 'JSON document is not a JSON Feed');
  }
  const feed = doc as Record<string, unknown>;
  const items = Array.isArray(feed.items) ? feed.items : [];
  return {
    title: feed.title,
    link: feed.home_page_url,
    items: items
      .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
      .map((i) => ({
        id: i.id,
        link: i.url ?? i.external_url,
        title: i.title,
        summary: i.summary,
        content: i.content_html ?? i.content_text,
        isoDate: i.date_published ?? i.date_modified,
      })),
  };
}
