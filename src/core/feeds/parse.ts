import type { Worker } from 'node:worker_threads';
import { htmlEntitiesToNumeric } from './entities.js';
import { FeedError } from './errors.js';
import { parseJsonFeed } from './json-feed.js';
import { startParseWorker, type WorkerReply } from './parse-worker.js';

/** What a parser hands on: untyped fields, because feeds put anything anywhere. normalise.ts guards them. */
export interface RawFeed {
  title: unknown;
  link: unknown;
  items: Record<string, unknown>[];
}

export interface FeedParser {
  parse(text: string): Promise<RawFeed>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker | undefined;
  busy: boolean;
}

/**
 * rss-parser in worker threads with a time limit per document: a pathological feed is cut off by
 * terminating its worker, and the main thread (and every other feed) never waits on it.
 */
export function createFeedParser(options: { timeoutMs: number; workers?: number }): FeedParser {
  const slots: Slot[] = Array.from({ length: options.workers ?? 1 }, () => ({
    worker: undefined,
    busy: false,
  }));
  const queue: (() => void)[] = [];
  let nextId = 1;

  const acquire = async (): Promise<Slot> => {
    for (;;) {
      const free = slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => queue.push(resolve));
    }
  };
  const release = (slot: Slot) => {
    slot.busy = false;
    queue.shift()?.();
  };

  const runXml = async (text: string): Promise<RawFeed> => {
    const slot = await acquire();
    try {
      slot.worker ??= startParseWorker();
      const worker = slot.worker;
      const id = nextId++;
      const reply = await new Promise<WorkerReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          // The only way to stop synchronous parsing: end the worker; a fresh one serves the next feed.
          slot.worker = undefined;
          void worker.terminate();
          reject(new FeedError('parse-timeout', `parsing took longer than ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        const onMessage = (msg: WorkerReply) => {
          if (msg.id !== id) return;
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
          resolve(msg);
        };
        const onError = (err: Error) => {
          clearTimeout(timer);
          slot.worker = undefined;
          reject(new FeedError('parse', `parser crashed: ${err.message}`));
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ id, text });
      });
      if (!reply.ok) throw parseError(reply.error);
      return reply.feed;
    } finally {
      release(slot);
    }
  };

  return {
    async parse(text) {
      const trimmed = text.trimStart();
      if (trimmed.startsWith('{')) return parseJsonFeed(trimmed);
      // xml2js never calls back on a document without elements; say so instead of waiting for the time limit.
      if (!/<[A-Za-z]/.test(trimmed.replace(/<!--[\s\S]*?-->/g, ''))) {
        throw new FeedError('not-a-feed', 'empty document (no elements)');
      }
      try {
        return await runXml(text);
      } catch (err) {
        const repaired = repairXml(text);
        if (!(err instanceof FeedError) || err.code !== 'parse' || repaired === text) throw err;
        // Second chance for the two commonest real-world faults; the first error is the one reported.
        return await runXml(repaired).catch(() => {
          throw err;
        });
      }
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      for (const s of slots) s.worker = undefined;
    },
  };
}

/** Whitespace before `<?xml`, and HTML entities (`&nbsp;`) that XML does not define. */
export function repairXml(text: string): string {
  return htmlEntitiesToNumeric(text.replace(/^\s+(?=<)/, ''));
}

function parseError(message: string): FeedError {
  if (/not recognized as RSS|Unable to parse XML/i.test(message)) {
    return new FeedError('not-a-feed', `not an RSS/Atom document (${message})`);
  }
  return new FeedError('parse', `malformed XML: ${message.split('\n').join('; ')}`);
}
