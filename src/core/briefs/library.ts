import { readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { parseBrief } from './parse.js';
import type { Brief, Problem } from './schema.js';

/** What commands need from the briefs: read-only lookups. */
export interface BriefSource {
  get(topic: string): Brief | undefined;
  list(): Brief[];
}

export interface LoadReport {
  problems: Problem[];
  /** Briefs whose status line changed since the last good load (for "brief updated" notes). */
  statusChanges: { topic: string; before: string; after: string }[];
}

export interface BriefLibraryOptions {
  /** Extra checks beyond the file format (rendered size on each platform): reported, not blocking. */
  validate?: (brief: Brief) => Problem[];
  onReload?: (report: LoadReport) => void;
}

/**
 * All briefs in one folder. A file that fails to parse keeps its last good version live, so a
 * moderator's broken edit never takes a topic offline.
 */
export class BriefLibrary implements BriefSource {
  private byFile = new Map<string, Brief>();
  private byTopic = new Map<string, Brief>();

  constructor(
    readonly dir: string,
    private readonly options: BriefLibraryOptions = {},
  ) {}

  get(topic: string): Brief | undefined {
    return this.byTopic.get(topic);
  }

  list(): Brief[] {
    return [...this.byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  }

  load(): LoadReport {
    const problems: Problem[] = [];
    const statusChanges: LoadReport['statusChanges'] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir)
        .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
        .sort();
    } catch (err) {
      problems.push({
        file: this.dir,
        line: 0,
        message: `cannot read the briefs folder: ${(err as Error).message}`,
      });
      return { problems, statusChanges };
    }
    const seen = new Set<string>();
    const topics = new Map<string, string>();
    for (const name of names) {
      const file = join(this.dir, name);
      seen.add(file);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        problems.push({ file, line: 0, message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      const result = parseBrief(file, text);
      const extra = result.brief ? (this.options.validate?.(result.brief) ?? []) : [];
      problems.push(...result.problems, ...extra);
      const topic = result.brief?.topic;
      if (topic && topics.has(topic)) {
        problems.push({
          file,
          line: 2,
          message: `topic '${topic}' is already served by ${topics.get(topic)}`,
        });
        continue;
      }
      if (result.brief) {
        const before = this.byFile.get(file);
        if (before && before.status !== result.brief.status) {
          statusChanges.push({
            topic: result.brief.topic,
            before: before.status,
            after: result.brief.status,
          });
        }
        this.byFile.set(file, result.brief);
      }
      const live = this.byFile.get(file);
      if (live) topics.set(live.topic, file);
    }
    for (const file of this.byFile.keys()) if (!seen.has(file)) this.byFile.delete(file);
    this.byTopic = new Map([...this.byFile.values()].map((b) => [b.topic, b]));
    const report = { problems, statusChanges };
    return report;
  }

  /** Reload on every change in the folder until the returned function is called. */
  watch(debounceMs = 100): () => void {
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(this.dir, () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.options.onReload?.(this.load()), debounceMs);
    });
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }
}
