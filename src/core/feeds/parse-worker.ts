import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code, kept as a string and run with `eval` so it works unchanged under tsx, vitest and
 * the compiled build (a separate .ts worker file needs a loader in two of those three).
 * It subclasses rss-parser for one known flaw: a malformed Atom date throws and loses the whole feed.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Parser = require(workerData.rssParserPath);
class SafeParser extends Parser {
  parseItemAtom(entry) {
    try { return super.parseItemAtom(entry); } catch (err) {
      const raw = (entry.published && entry.published[0]) || (entry.updated && entry.updated[0]);
      const rest = Object.assign({}, entry);
      delete rest.published; delete rest.updated;
      const item = super.parseItemAtom(rest);
      item.rawDate = typeof raw === 'string' ? raw : undefined;
      return item;
    }
  }
}
const parser = new SafeParser({ defaultRSS: 2, customFields: { item: [['source', 'source'], ['dc:date', 'dcDate']] } });
const KEEP = ['title', 'link', 'guid', 'id', 'pubDate', 'isoDate', 'rawDate', 'dcDate', 'content',
  'contentSnippet', 'summary', 'source'];
parentPort.on('message', async (job) => {
  try {
    const feed = await parser.parseString(job.text);
    const items = (Array.isArray(feed.items) ? feed.items : []).map((it) => {
      const out = {};
      for (const k of KEEP) if (it[k] !== undefined) out[k] = it[k];
      // The summary is the first of contentSnippet, summary, content that is text: the others (often
      // a whole article's HTML) need not be copied to the main thread.
      if (typeof out.contentSnippet === 'string') { delete out.summary; delete out.content; }
      else if (typeof out.summary === 'string') delete out.content;
      return out;
    });
    parentPort.postMessage({ id: job.id, ok: true, feed: { title: feed.title, link: feed.link, items } });
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, error: String((err && err.message) || err) });
  }
});
`;

export type WorkerReply =
  | { id: number; ok: true; feed: { title: unknown; link: unknown; items: Record<string, unknown>[] } }
  | { id: number; ok: false; error: string };

const rssParserPath = createRequire(import.meta.url).resolve('rss-parser');

export function startParseWorker(): Worker {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { rssParserPath } });
  // Parsing must never keep the process alive on its own.
  worker.unref();
  return worker;
}
