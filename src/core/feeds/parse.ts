import type { Worker } from 'node:worker_threads';
import { FeedError } from './errors.js';
import type { WorkerJob, WorkerReply } from './feed-worker.js';
import { startParseWorker } from './parse-worker.js';
import type { PrepareContext, PreparedFeed } from './prepare.js';
import type { RawFeed } from './read.js';
import type { TopicRules } from './tag.js';

export interface FeedParser {
  /** A document's raw fields (RSS, Atom, RDF, JSON Feed). */
  parse(text: string): Promise<RawFeed>;
  /** Read, normalise and tag a document, all in a worker: the main thread is left clustering and storing. */
  prepare(text: string, ctx: PrepareContext, rules: TopicRules[]): Promise<PreparedFeed>;
  close(): Promise<void>;
}

type Answer = Extract<WorkerReply, { ok: true }>;

interface Pending {
  job: WorkerJob;
  resolve: (answer: Answer) => void;
  reject: (err: FeedError) => void;
}

/** One worker and the jobs handed to it, oldest first. */
interface Slot {
  worker: Worker | undefined;
  /** The worker has loaded its code (the time limit is for reading, not for booting). */
  booted: boolean;
  pending: Pending[];
  /** The time limit of the oldest job. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Feed documents are read in worker threads with a time limit per document: a pathological feed
 * is cut off by terminating its worker, and the main thread (and every other feed) never waits on
 * it. The workers also normalise and tag, which leaves the main thread free for commands.
 *
 * Each worker holds up to `depth` jobs: while the main thread stores one feed (synchronous work
 * that cannot hand a document over), the worker already has the next one.
 */
export function createFeedParser(options: { timeoutMs: number; workers?: number; depth?: number; maxHeapMb?: number }): FeedParser {
  const depth = options.depth ?? 2;
  // A 5 MB document (the fetch cap) of short items needs ~120 MB to read; real feeds far less.
  const maxHeapMb = options.maxHeapMb ?? 256;
  const slots: Slot[] = Array.from({ length: options.workers ?? 1 }, () => ({ worker: undefined, booted: false, pending: [], timer: undefined }));
  const waiting: (() => void)[] = [];
  let nextId = 1;
  let rulesJson: { rules: TopicRules[]; json: string } | undefined;

  /** The oldest job's time limit starts when it reaches the head of its worker's queue. */
  const arm = (slot: Slot) => {
    clearTimeout(slot.timer);
    slot.timer =
      slot.booted && slot.pending.length > 0
        ? setTimeout(() => fail(slot, new FeedError('parse-timeout', `parsing took longer than ${options.timeoutMs} ms`)), options.timeoutMs)
        : undefined;
  };

  /** The oldest job ended its worker (over its time limit, or crashed): it fails; the others go to a fresh worker. */
  const fail = (slot: Slot, err: FeedError) => {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.booted = false;
    void worker?.terminate();
    const [oldest, ...rest] = slot.pending;
    slot.pending = rest;
    arm(slot);
    oldest?.reject(err);
    waiting.shift()?.();
    if (rest.length > 0) boot(slot);
  };

  const boot = (slot: Slot) => {
    const worker = startParseWorker(maxHeapMb);
    slot.worker = worker;
    slot.booted = false;
    worker.on('message', (msg: WorkerReply) => {
      if (slot.worker !== worker) return;
      if ('ready' in msg) {
        slot.booted = true;
        for (const p of slot.pending) worker.postMessage(p.job);
        arm(slot);
        return;
      }
      const i = slot.pending.findIndex((p) => p.job.id === msg.id);
      const [done] = i < 0 ? [] : slot.pending.splice(i, 1);
      if (!done) return;
      if (i === 0) arm(slot);
      if (msg.ok) done.resolve(msg);
      else done.reject(new FeedError(msg.code, msg.error));
      waiting.shift()?.();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      fail(
        slot,
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new FeedError('too-large', `reading it took more than the parser's ${maxHeapMb} MB of memory`)
          : new FeedError('parse', `parser crashed: ${err.message}`),
      );
    });
    worker.on('exit', (code) => {
      if (slot.worker === worker) fail(slot, new FeedError('parse', `parser exited (code ${code})`));
    });
  };

  const run = async (job: Omit<WorkerJob, 'id'>): Promise<Answer> => {
    const pick = () =>
      slots.reduce<Slot | undefined>((best, s) => (s.pending.length < depth && (!best || s.pending.length < best.pending.length) ? s : best), undefined);
    let slot = pick();
    while (!slot) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      slot = pick();
    }
    const target = slot;
    return new Promise<Answer>((resolve, reject) => {
      const full: WorkerJob = { ...job, id: nextId++ };
      target.pending.push({ job: full, resolve, reject });
      if (!target.worker) boot(target);
      else if (target.booted) {
        target.worker.postMessage(full);
        if (target.pending.length === 1) arm(target);
      }
    });
  };

  return {
    async parse(text) {
      const answer = await run({ text });
      if (!('feed' in answer)) throw new FeedError('parse', 'the parser answered out of turn');
      return answer.feed;
    },
    async prepare(text, ctx, rules) {
      // The rules cross to the worker as JSON with every job, made once per rules array.
      if (rulesJson?.rules !== rules) rulesJson = { rules, json: JSON.stringify(rules) };
      const answer = await run({ text, prepare: { ...ctx, rules: rulesJson.json } });
      if (!('prepared' in answer)) throw new FeedError('parse', 'the parser answered out of turn');
      return answer.prepared;
    },
    async close() {
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          slot.worker = undefined;
          clearTimeout(slot.timer);
          for (const p of slot.pending.splice(0)) p.reject(new FeedError('parse', 'the parser was closed'));
          await worker?.terminate();
        }),
      );
    },
  };
}
