import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LastGoodCopies } from '../last-good.js';
import { utcMinute } from '../text.js';
import { watchFolder } from '../watch-folder.js';
import { decodeBrief } from './decode.js';
import { type ParseResult, parseBrief } from './parse.js';
import type { Brief, Problem } from './schema.js';

/** Names a brief is likely saved under by mistake: another Markdown extension or case, or `.md.txt`. */
const MISNAMED = /\.(md|markdown|mdown|mkd)(\.txt)?$/i;

/** The name the file should have. */
function briefName(name: string): string {
  return `${name.replace(MISNAMED, '')}.md`;
}

/** A brief file's text, or the problem that stops it being read (not there, not UTF-8). */
function readBrief(file: string): { text?: string; problem?: Problem } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { problem: { file, line: 0, message: `cannot read: ${(err as Error).message}` } };
  }
  const { text, problem } = decodeBrief(bytes);
  return { text, problem: problem && { file, ...problem } };
}

/** A file that cannot be read as a brief still names its topic, when a best guess at its text does. */
function unreadable(file: string, problem: Problem, text: string | undefined): ParseResult {
  const guess = text === undefined ? undefined : parseBrief(file, text);
  return { topic: guess?.topic, topicLine: guess?.topicLine, problems: [problem] };
}

/** What commands need from the briefs: read-only lookups. */
export interface BriefSource {
  get(topic: string): Brief | undefined;
  list(): Brief[];
}

export interface LoadReport {
  problems: Problem[];
  /** Briefs whose status line changed since the last good load (for "brief updated" notes). */
  statusChanges: { topic: string; before: string; after: string }[];
  /**
   * Files with problems whose last good version is served instead (answers and tags): the one
   * loaded earlier in this process, or (`savedAt`) the copy kept from an earlier run.
   */
  stale: { file: string; topic: string; savedAt?: Date }[];
  /** Files with problems and no good version: their topic is not served until they are fixed. */
  offline: string[];
  /** Topics served before this load and not after (a brief deleted, or its topic renamed). */
  gone: string[];
  /** Whether any brief file was added, removed or changed since the previous load (the first counts). */
  changed: boolean;
}

/** What a load with problems means for commands and tagging: which topics are served from what. */
export function servingNotes(report: LoadReport): string[] {
  return [
    ...report.stale.map(({ topic, savedAt }) =>
      savedAt
        ? `/${topic} is served from its last good version, saved ${utcMinute(savedAt)}.`
        : `/${topic} is served from its last good version.`,
    ),
    ...report.offline.map((file) => `${file} is not served until it is fixed.`),
  ];
}

export interface BriefLibraryOptions {
  /** Extra checks beyond the file format (rendered size on each platform): reported, not blocking. */
  validate?: (brief: Brief) => Problem[];
  onReload?: (report: LoadReport) => void;
  copies?: LastGoodCopies;
}

/**
 * All briefs in one folder. A file that fails to parse keeps its last good version live, so a
 * moderator's broken edit never takes a topic offline, across restarts too when `copies` is given.
 */
export class BriefLibrary implements BriefSource {
  private byFile = new Map<string, Brief>();
  private byTopic = new Map<string, Brief>();
  /** Topics named by files that have no good version (see topics()). */
  private declared = new Map<string, string>();
  /** The text last written to `copies`, by file name: a copy is written when it changes. */
  private saved = new Map<string, string>();
  /** Each file's text as the last load read it (undefined: unreadable), to tell an edit from noise. */
  private texts: Map<string, string | undefined> | undefined;

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

  /** Every topic a brief file names, answered or not: a broken brief's feeds are still its own. */
  topics(): string[] {
    return [...new Set([...this.byTopic.keys(), ...this.declared.values()])].sort();
  }

  load(): LoadReport {
    const problems: Problem[] = [];
    const statusChanges: LoadReport['statusChanges'] = [];
    const stale: LoadReport['stale'] = [];
    let names: string[];
    let misnamed: string[];
    try {
      const all = readdirSync(this.dir).filter((n) => !n.startsWith('.')).sort();
      names = all.filter((n) => n.endsWith('.md'));
      misnamed = all.filter((n) => !n.endsWith('.md') && MISNAMED.test(n));
    } catch (err) {
      problems.push({
        file: this.dir,
        line: 0,
        message: `cannot read the briefs folder: ${(err as Error).message}`,
      });
      // A folder that cannot be read (a volume not mounted, a typo in BRIEFS_DIR) retires nothing:
      // what is served stays served, and a bot starting without it answers from the copies.
      if (this.byFile.size === 0) this.serveCopies(stale);
      else for (const [file, brief] of this.byFile) stale.push({ file, topic: brief.topic });
      this.byTopic = new Map([...this.byFile.values()].map((b) => [b.topic, b]));
      this.texts = new Map();
      return { problems, statusChanges, stale, offline: [], gone: [], changed: true };
    }
    // Named, so a moderator who saved `nato-status.markdown` is not left wondering why nothing changed.
    for (const name of misnamed) problems.push({ file: join(this.dir, name), line: 0, message: `not read: brief files must end in .md (rename it to ${briefName(name)})` });
    const { copies } = this.options;
    const seen = new Set<string>();
    const topics = new Map<string, string>();
    const texts = new Map<string, string | undefined>();
    this.declared.clear();
    for (const { name, file, text, result } of this.readAll(names)) {
      seen.add(file);
      texts.set(name, text);
      const extra = result.brief ? (this.options.validate?.(result.brief) ?? []) : [];
      problems.push(...result.problems, ...extra);
      const topic = result.brief?.topic;
      if (topic && topics.has(topic)) {
        problems.push({
          file,
          line: result.topicLine ?? 1,
          message: `topic '${topic}' is already served by ${topics.get(topic)}`,
        });
        continue;
      }
      const held = this.byFile.get(file);
      if (result.brief && text !== undefined) {
        if (held && held.status !== result.brief.status) {
          statusChanges.push({
            topic: result.brief.topic,
            before: held.status,
            after: result.brief.status,
          });
        }
        this.byFile.set(file, result.brief);
        if (copies && this.saved.get(name) !== text) {
          copies.write(name, text);
          this.saved.set(name, text);
        }
      } else if (held) {
        stale.push({ file, topic: held.topic });
      } else {
        // A restart since the last good version: answer the copy kept of it, if there is one.
        const copy = this.copyOf(name);
        if (copy && !topics.has(copy.brief.topic)) {
          this.serveCopy(name, copy, stale);
        } else if (result.topic) {
          this.declared.set(file, result.topic);
        }
      }
      const live = this.byFile.get(file);
      if (live) topics.set(live.topic, file);
    }
    for (const file of this.byFile.keys()) if (!seen.has(file)) this.byFile.delete(file);
    // A deleted brief's copy goes too: a new file of that name later starts afresh. Not when every
    // brief is gone at once: an empty folder is likelier a volume not mounted than every topic retired.
    if (names.length > 0) for (const name of copies?.names() ?? []) if (!seen.has(join(this.dir, name))) copies?.remove(name);
    const before = this.byTopic;
    this.byTopic = new Map([...this.byFile.values()].map((b) => [b.topic, b]));
    // Told in file order, whichever order settled the topics.
    const order = new Map([...names, ...misnamed].map((name, i) => [join(this.dir, name), i]));
    problems.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1));
    const offline = [...new Set(problems.map((p) => p.file))].filter((f) => !this.byFile.has(f));
    const gone = [...before.keys()].filter((t) => !this.byTopic.has(t));
    for (const name of misnamed) texts.set(name, undefined);
    const previous = this.texts;
    const changed = previous === undefined || previous.size !== texts.size || [...texts].some(([n, t]) => !previous.has(n) || previous.get(n) !== t);
    this.texts = texts;
    return { problems, statusChanges, stale, offline, gone, changed };
  }

  /**
   * Every file read and parsed, in the order that settles which one serves a topic two files name:
   * the file that served it already (a copied brief must not take over a live topic), then the file
   * named `<topic>.md`, then the first by name.
   */
  private readAll(names: string[]): { name: string; file: string; text?: string; result: ParseResult }[] {
    const read = names.map((name, index) => {
      const file = join(this.dir, name);
      const { text, problem } = readBrief(file);
      const result = problem ? unreadable(file, problem, text) : parseBrief(file, text!);
      return { name, file, text, result, rank: this.claimRank(name, file, result), index };
    });
    return read.sort((a, b) => a.rank - b.rank || a.index - b.index);
  }

  private claimRank(name: string, file: string, result: ParseResult): number {
    const topic = result.brief?.topic ?? this.byFile.get(file)?.topic ?? result.topic;
    if (topic === undefined) return 2;
    if (this.byTopic.get(topic)?.file === file) return 0;
    return name === `${topic}.md` ? 1 : 2;
  }

  /** The copy kept of a brief file from an earlier run, if it still reads as a brief. */
  private copyOf(name: string): { brief: Brief; text: string; savedAt: Date } | undefined {
    const copy = this.options.copies?.read(name);
    const brief = copy && parseBrief(join(this.dir, name), copy.text).brief;
    return copy && brief ? { brief, ...copy } : undefined;
  }

  private serveCopy(name: string, copy: { brief: Brief; text: string; savedAt: Date }, stale: LoadReport['stale']): void {
    const file = join(this.dir, name);
    this.byFile.set(file, copy.brief);
    this.saved.set(name, copy.text);
    stale.push({ file, topic: copy.brief.topic, savedAt: copy.savedAt });
  }

  /** Every copy, as if its file were there and broken: for a folder that cannot be read at start. */
  private serveCopies(stale: LoadReport['stale']): void {
    const topics = new Set<string>();
    for (const name of this.options.copies?.names() ?? []) {
      const copy = this.copyOf(name);
      if (!copy || topics.has(copy.brief.topic)) continue;
      topics.add(copy.brief.topic);
      this.serveCopy(name, copy, stale);
    }
  }

  /**
   * Reload on every change in the folder until the returned function is called. Only an edit to a
   * brief is reported: an editor's swap file or a ConfigMap's `..data` swap that leaves every
   * brief's text alone would otherwise repeat the last load's problems to the moderators.
   */
  watch(debounceMs = 100, retryMs?: number): () => void {
    return watchFolder(
      this.dir,
      debounceMs,
      () => {
        const report = this.load();
        if (report.changed) this.options.onReload?.(report);
      },
      retryMs,
    );
  }
}
