import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BriefLibrary, type LoadReport, servingNotes } from '../src/core/briefs/library.js';
import { formatProblem } from '../src/core/briefs/schema.js';
import { lastGoodFiles } from '../src/store/last-good.js';
import { until } from './helpers/bot-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempBriefs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-briefs-'));
  dirs.push(dir);
  cpSync('tests/fixtures/briefs/good/sample.md', join(dir, 'sample.md'));
  return dir;
}

/** Wait for the library's next reload report after a real file edit. */
function nextReload(reports: LoadReport[], count: number): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const tick = () => {
      if (reports.length >= count) resolve(reports[count - 1]!);
      else if (Date.now() > deadline) reject(new Error('no reload within 5 s'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

/** A library on a fresh copy of the sample brief, watched (30 ms debounce) while `test` runs. */
async function watching(test: (w: { dir: string; file: string; reports: LoadReport[]; library: BriefLibrary }) => Promise<void>) {
  const dir = tempBriefs();
  const reports: LoadReport[] = [];
  const library = new BriefLibrary(dir, { onReload: (r) => reports.push(r) });
  library.load();
  const stop = library.watch(30);
  try {
    await test({ dir, file: join(dir, 'sample.md'), reports, library });
  } finally {
    stop();
  }
}

describe('hot reload of briefs', () => {
  it('a real file edit changes the answer, and a broken edit keeps the last good version', async () => {
    await watching(async ({ dir, file, reports, library }) => {
      expect(library.get('sample')?.status).toBe('Things stand where they stood.');

      writeFileSync(file, readFileSync(file, 'utf8').replace('Things stand where they stood.', 'Things moved on.'));
      const good = await nextReload(reports, 1);
      expect(good.problems).toEqual([]);
      expect(library.get('sample')?.status).toBe('Things moved on.');
      expect(good.statusChanges).toEqual([{ topic: 'sample', before: 'Things stand where they stood.', after: 'Things moved on.' }]);

      writeFileSync(file, readFileSync(file, 'utf8').replace('updated: 2025-11-01', 'updated: yesterday'));
      const broken = await nextReload(reports, 2);
      expect(broken.problems.map(formatProblem)).toEqual([`${file}:5: 'updated' must be a date written YYYY-MM-DD ("yesterday")`]);
      expect(library.get('sample')?.status).toBe('Things moved on.');

      writeFileSync(join(dir, 'second.md'), readFileSync(file, 'utf8').replace('topic: sample', 'topic: second').replace('yesterday', '2025-11-02'));
      await nextReload(reports, 3);
      expect(library.list().map((b) => b.topic)).toEqual(['sample', 'second']);
    });
  });

  it('reports an edit to a brief, not an editor’s swap file beside a broken one (no repeated notes)', async () => {
    await watching(async ({ dir, file, reports }) => {
      writeFileSync(file, readFileSync(file, 'utf8').replace('updated: 2025-11-01', 'updated: yesterday'));
      expect((await nextReload(reports, 1)).problems).toHaveLength(1);
      // The editor keeps writing its swap file while the moderator fixes the date.
      for (let i = 0; i < 5; i++) {
        writeFileSync(join(dir, '.sample.md.swp'), `swap ${i}`);
        await new Promise((r) => setTimeout(r, 60));
      }
      expect(reports).toHaveLength(1);
      writeFileSync(file, readFileSync(file, 'utf8').replace('updated: yesterday', 'updated: 2025-11-02'));
      expect(await nextReload(reports, 2)).toMatchObject({ problems: [], changed: true });
      expect(reports).toHaveLength(2);
    });
  });

  it('a copied brief does not take over the live topic: the file that served it keeps it, the copy is blamed at its topic line', () => {
    const dir = tempBriefs();
    const file = join(dir, 'sample.md');
    const library = new BriefLibrary(dir);
    library.load();
    // "sample copy.md" sorts before "sample.md" (' ' < '.'); the copy's title line moved above its topic.
    const copy = join(dir, 'sample copy.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(copy, text.replace('topic: sample\ntitle: A sample brief', 'title: A copy\ntopic: sample'));
    const report = library.load();
    expect(report.problems.map(formatProblem)).toEqual([`${copy}:3: topic 'sample' is already served by ${file}`]);
    expect(library.get('sample')?.title).toBe('A sample brief');
    expect(library.get('sample')?.file).toBe(file);
    // A bot starting on the same folder agrees: the file named sample.md serves the topic.
    const fresh = new BriefLibrary(dir);
    expect(fresh.load().problems.map(formatProblem)).toEqual([`${copy}:3: topic 'sample' is already served by ${file}`]);
    expect(fresh.get('sample')?.title).toBe('A sample brief');
  });

  it('drops a brief whose file is deleted', () => {
    const dir = tempBriefs();
    const library = new BriefLibrary(dir);
    library.load();
    expect(library.get('sample')).toBeDefined();
    rmSync(join(dir, 'sample.md'));
    library.load();
    expect(library.get('sample')).toBeUndefined();
  });
});

describe('a brief broken while the bot was down', () => {
  const silent = { warn: () => {} };
  const cite = (text: string, ref: string) => text.replace('The first fact. [s1]', `The first fact. [${ref}]`);

  it('is answered from the copy kept of its last good version after a restart, until it is fixed', () => {
    const dir = tempBriefs();
    const file = join(dir, 'sample.md');
    const kept = join(mkdtempSync(join(tmpdir(), 'briefbot-data-')), 'briefs-last-good');
    dirs.push(dirname(kept));
    const good = readFileSync(file, 'utf8');
    new BriefLibrary(dir, { copies: lastGoodFiles(kept, silent) }).load();
    expect(readFileSync(join(kept, 'sample.md'), 'utf8')).toBe(good);

    // The bot stops; a moderator's edit cites a source the brief does not list; the bot starts again.
    writeFileSync(file, cite(good, 's9').replace('Things stand where they stood.', 'A status with a typo.'));
    const restarted = new BriefLibrary(dir, { copies: lastGoodFiles(kept, silent) });
    const report = restarted.load();
    expect(report.problems.map(formatProblem)).toEqual([`${file}:26: cites [s9] but no source has id 's9'`]);
    expect(restarted.get('sample')?.status).toBe('Things stand where they stood.');
    expect(report.stale).toEqual([{ file, topic: 'sample', savedAt: expect.any(Date) }]);
    expect(report.offline).toEqual([]);
    // The copy is not overwritten by the broken text.
    expect(readFileSync(join(kept, 'sample.md'), 'utf8')).toBe(good);

    writeFileSync(file, good.replace('Things stand where they stood.', 'Fixed and moved on.'));
    const fixed = restarted.load();
    expect(fixed).toMatchObject({ problems: [], stale: [], offline: [] });
    expect(restarted.get('sample')?.status).toBe('Fixed and moved on.');
    expect(readFileSync(join(kept, 'sample.md'), 'utf8')).toContain('Fixed and moved on.');

    // An empty folder (a volume not mounted?) keeps the copies.
    const text = readFileSync(file, 'utf8');
    rmSync(file);
    restarted.load();
    expect(readdirSync(kept)).toEqual(['sample.md']);
    // A deleted brief is retired, copy and all: a new file of that name starts afresh.
    writeFileSync(join(dir, 'other.md'), text.replace('topic: sample', 'topic: other'));
    restarted.load();
    expect(readdirSync(kept)).toEqual(['other.md']);
    writeFileSync(file, cite(good, 's9'));
    const fresh = restarted.load();
    expect(restarted.get('sample')).toBeUndefined();
    expect(fresh.offline).toEqual([file]);
  });

  it('a briefs folder that cannot be read retires nothing: a start serves the copies, a running bot what it had', () => {
    const dir = tempBriefs();
    const kept = join(mkdtempSync(join(tmpdir(), 'briefbot-data-')), 'briefs-last-good');
    dirs.push(dirname(kept));
    const running = new BriefLibrary(dir, { copies: lastGoodFiles(kept, silent) });
    running.load();

    // The volume is not mounted (or BRIEFS_DIR has a typo).
    const moved = `${dir}-away`;
    renameSync(dir, moved);
    dirs.push(moved);
    const report = running.load();
    expect(report.problems.map(formatProblem)).toEqual([`${dir}:0: cannot read the briefs folder: ENOENT: no such file or directory, scandir '${dir}'`]);
    expect(running.get('sample')?.status).toBe('Things stand where they stood.');
    expect(report).toMatchObject({ stale: [{ file: join(dir, 'sample.md'), topic: 'sample' }], gone: [] });

    const started = new BriefLibrary(dir, { copies: lastGoodFiles(kept, silent) });
    const atStart = started.load();
    expect(started.get('sample')?.status).toBe('Things stand where they stood.');
    expect(servingNotes(atStart)).toEqual([expect.stringMatching(/^\/sample is served from its last good version, saved \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/)]);
    // Without copies there is nothing to serve, and /readyz says "no briefs loaded".
    expect(new BriefLibrary(dir).load().stale).toEqual([]);

    // Mounted again: the files are read, and the copies stay as they were.
    renameSync(moved, dir);
    expect(started.load()).toMatchObject({ problems: [], stale: [] });
    expect(readdirSync(kept)).toEqual(['sample.md']);
  });

  it('the watch finds a folder that appears late, or is deleted and made again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'briefbot-late-')), 'briefs');
    dirs.push(dirname(dir));
    const reports: LoadReport[] = [];
    const library = new BriefLibrary(dir, { onReload: (r) => reports.push(r) });
    library.load();
    const stop = library.watch(30, 50);
    try {
      mkdirSync(dir);
      cpSync('tests/fixtures/briefs/good/sample.md', join(dir, 'sample.md'));
      await nextReload(reports, 1);
      expect(library.get('sample')?.status).toBe('Things stand where they stood.');

      rmSync(dir, { recursive: true });
      await nextReload(reports, 2);
      expect(library.get('sample')?.status).toBe('Things stand where they stood.');
      mkdirSync(dir);
      writeFileSync(join(dir, 'sample.md'), readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8').replace('Things stand where they stood.', 'Back, and moved on.'));
      expect(await until(() => library.get('sample')?.status === 'Back, and moved on.', 5000)).toBe(true);
    } finally {
      stop();
    }
  });

  it('with no good version kept, is offline but still names its topic', () => {
    const dir = tempBriefs();
    const file = join(dir, 'sample.md');
    writeFileSync(file, cite(readFileSync(file, 'utf8'), 's9'));
    const library = new BriefLibrary(dir);
    const report = library.load();
    expect(library.list()).toEqual([]);
    expect(report.offline).toEqual([file]);
    // Feeds that name the topic are not misreported as naming an unknown one (lint, start).
    expect(library.topics()).toEqual(['sample']);
  });

  it('costs only the copies when the data dir cannot be written', () => {
    const dir = tempBriefs();
    const data = mkdtempSync(join(tmpdir(), 'briefbot-data-'));
    dirs.push(data);
    // A file where the copies' folder should be: mkdir fails as on a read-only or full disk.
    writeFileSync(join(data, 'briefs-last-good'), '');
    const warnings: unknown[] = [];
    const library = new BriefLibrary(dir, { copies: lastGoodFiles(join(data, 'briefs-last-good'), { warn: (o) => warnings.push(o) }) });
    expect(library.load().problems).toEqual([]);
    expect(library.get('sample')).toBeDefined();
    library.load();
    expect(warnings).toHaveLength(1);
    expect(existsSync(join(data, 'briefs-last-good', 'sample.md'))).toBe(false);
  });
});
