import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatProblem, type Problem } from '../briefs/schema.js';
import type { LastGoodCopies } from '../last-good.js';
import { counted, utcMinute } from '../text.js';
import { watchFolder } from '../watch-folder.js';
import { type FeedConfig, loadFeeds } from './config.js';

export interface FeedsFileReport {
  /** What the bot polls now. */
  feeds: FeedConfig[];
  /** The file's problems as it is on disk; with any, it was not loaded. */
  problems: Problem[];
  /** Topics no brief names (not fatal; see loadFeeds), for the list now polled when it is the file's. */
  unknownTopics: Problem[];
  /**
   * What is polled: the file; the list loaded earlier in this process (`kept`: the file has
   * problems); the copy of its last good version saved at `savedAt` (problems, and a restart since);
   * or nothing (problems, and no good version ever seen).
   */
  served: 'file' | 'kept' | 'copy' | 'none';
  savedAt?: Date;
  /** Feed names against the list polled before this load (empty on the first). */
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * feeds.yaml as the running bot reads it: reloaded when it changes, and like a brief, an edit with
 * problems keeps the last good list polled — across restarts too, from the copy in `copies`.
 */
export class FeedsFile {
  private current: FeedConfig[] | undefined;
  /** The text last written to `copies`: a copy is written when it changes. */
  private saved: string | undefined;
  /** The text the last load read, good or not: a change in the folder that leaves it alone is no edit. */
  private read: string | undefined;

  constructor(
    readonly path: string,
    private readonly options: { copies?: LastGoodCopies; topics: () => readonly string[] },
  ) {}

  get feeds(): FeedConfig[] {
    return this.current ?? [];
  }

  load(): FeedsFileReport {
    const before = this.current;
    const name = basename(this.path);
    const topics = this.options.topics();
    // Unreadable: loadFeeds names the reason below.
    const text = this.textOnDisk();
    this.read = text;
    const fresh = loadFeeds(this.path, text, topics);
    let served: FeedsFileReport['served'] = 'file';
    let savedAt: Date | undefined;
    if (text !== undefined && fresh.problems.length === 0) {
      this.current = fresh.feeds;
      if (this.saved !== text) this.options.copies?.write(name, text);
      this.saved = text;
    } else if (before) {
      served = 'kept';
    } else {
      // Read as if it were the file itself, so a local feed's relative path resolves the same.
      const copy = this.options.copies?.read(name);
      const kept = copy && loadFeeds(this.path, copy.text, topics);
      if (copy && kept && kept.problems.length === 0) {
        this.current = kept.feeds;
        this.saved = copy.text;
        served = 'copy';
        savedAt = copy.savedAt;
      } else {
        served = 'none';
      }
    }
    const was = new Map((before ?? []).map((f) => [f.name, JSON.stringify(f)]));
    const now = new Map(this.feeds.map((f) => [f.name, JSON.stringify(f)]));
    return {
      feeds: this.feeds,
      problems: fresh.problems,
      unknownTopics: served === 'file' ? fresh.unknownTopics : [],
      served,
      savedAt,
      added: before ? [...now.keys()].filter((n) => !was.has(n)) : [],
      removed: [...was.keys()].filter((n) => !now.has(n)),
      changed: [...now].filter(([n, f]) => was.has(n) && was.get(n) !== f).map(([n]) => n),
    };
  }

  private textOnDisk(): string | undefined {
    try {
      return readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Reload on every change to the file (however it was saved) until the returned function is called. */
  watch(onReload: (report: FeedsFileReport) => void, debounceMs = 100): () => void {
    // The folder, not the file: what counts is whether the text read through the path changed.
    return watchFolder(dirname(this.path), debounceMs, () => {
      if (this.textOnDisk() !== this.read) onReload(this.load());
    });
  }
}

/** For the log and the moderators: what a load of feeds.yaml changed, or what is polled instead of it. */
export function feedsFileNotes(r: FeedsFileReport): string[] {
  const lines = r.problems.slice(0, 10).map(formatProblem);
  if (r.served === 'kept') lines.push(`The ${counted(r.feeds.length, 'feed')} polled before stay polled until it is fixed.`);
  if (r.served === 'copy') {
    const saved = r.savedAt ? `, saved ${utcMinute(r.savedAt)}` : '';
    lines.push(`Its last good version (${counted(r.feeds.length, 'feed')})${saved}, is polled until it is fixed.`);
  }
  if (r.served === 'none') lines.push('No feeds are polled until it is fixed.');
  const changes = Object.entries({ added: r.added, removed: r.removed, changed: r.changed })
    .filter(([, names]) => names.length > 0)
    .map(([what, names]) => `${what} ${names.join(', ')}`);
  if (changes.length > 0) lines.push(`Now polling ${counted(r.feeds.length, 'feed')}: ${changes.join('; ')}.`);
  return [...lines, ...r.unknownTopics.map(formatProblem)];
}
