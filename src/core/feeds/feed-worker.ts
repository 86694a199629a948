import { parentPort } from 'node:worker_threads';
import { asFeedError, type FeedErrorCode } from './errors.js';
import { type PrepareContext, type PreparedFeed, prepareFeed } from './prepare.js';
import { type RawFeed, readFeedDocument } from './read.js';
import { type CompiledTopic, compileTopics, type TopicRules } from './tag.js';

/** The parse worker's side (booted by parse-worker.ts): read a document, and with a context also normalise and tag it. */
export type WorkerJob = { id: number; text: string; prepare?: PrepareContext & { rules: string } };
export type WorkerReply =
  | { ready: true }
  | { id: number; ok: true; feed: RawFeed }
  | { id: number; ok: true; prepared: PreparedFeed }
  | { id: number; ok: false; code: FeedErrorCode; error: string };

// Topic rules arrive as JSON with every job (a brief edit takes effect on the next feed); they are
// compiled once per distinct text.
let compiled: { rules: string; topics: CompiledTopic[] } | undefined;
const topicsFor = (rules: string): CompiledTopic[] => {
  if (compiled?.rules !== rules) compiled = { rules, topics: compileTopics(JSON.parse(rules) as TopicRules[]) };
  return compiled.topics;
};

const port = parentPort;
if (port) {
  port.on('message', async (job: WorkerJob) => {
    let reply: WorkerReply;
    try {
      const feed = await readFeedDocument(job.text);
      reply = job.prepare
        ? { id: job.id, ok: true, prepared: prepareFeed(feed, job.prepare, topicsFor(job.prepare.rules)) }
        : { id: job.id, ok: true, feed };
    } catch (err) {
      const error = asFeedError(err, 'parse');
      reply = { id: job.id, ok: false, code: error.code, error: error.message };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
}
