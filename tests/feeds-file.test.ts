import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedsFile, type FeedsFileReport, feedsFileNotes } from '../src/core/feeds/feeds-file.js';
import { lastGoodFeeds } from '../src/store/last-good.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const silent = { warn: () => {} };
const topics = () => ['nato-status'];

function deployment() {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-feeds-file-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'conf'));
  const path = join(dir, 'conf', 'feeds.yaml');
  const data = join(dir, 'data');
  const open = () => new FeedsFile(path, { copies: lastGoodFeeds(data, silent), topics });
  return { path, data, open };
}

const feed = (name: string, extra = '') => `  - { name: ${name}, url: "https://${name}.example/rss", language: en${extra} }\n`;

describe('feeds.yaml as the running bot reads it', () => {
  it('a good edit says what changed; a broken one keeps the list polled before, and says so', () => {
    const { path, open } = deployment();
    writeFileSync(path, `feeds:\n${feed('a')}${feed('b')}`);
    const file = open();
    expect(file.load()).toMatchObject({ served: 'file', problems: [], added: [], removed: [], changed: [] });
    expect(file.feeds.map((f) => f.name)).toEqual(['a', 'b']);

    writeFileSync(path, `feeds:\n${feed('a', ', interval: 60')}${feed('c', ', topics: [nato-status, venezuela]')}`);
    const edited = file.load();
    expect(edited).toMatchObject({ served: 'file', added: ['c'], removed: ['b'], changed: ['a'] });
    expect(feedsFileNotes(edited)).toEqual([
      'Now polling 2 feeds: added c; removed b; changed a.',
      `${path}:3: feed 'c': unknown topic 'venezuela' (no brief names it)`,
    ]);

    writeFileSync(path, `feeds:\n${feed('a')}  - { name: d, url: "https://d.example/rss" language: en }\n`);
    const broken = file.load();
    expect(broken.served).toBe('kept');
    expect(file.feeds.map((f) => f.name)).toEqual(['a', 'c']);
    const notes = feedsFileNotes(broken);
    expect(notes[0]).toMatch(new RegExp(`^${path}:3: YAML: `));
    expect(notes.at(-1)).toBe('The 2 feeds polled before stay polled until it is fixed.');
  });

  it('after a restart, a file broken while the bot was down is polled from the copy of its last good version', () => {
    const { path, open } = deployment();
    // A local feed's relative path resolves beside feeds.yaml, from the copy too.
    writeFileSync(path, `feeds:\n${feed('a')}  - { name: disk, url: ./disk.xml, local: true, language: en }\n`);
    open().load();

    writeFileSync(path, `feeds:\n${feed('a', ', interval: 2')}`);
    const restarted = open();
    const report = restarted.load();
    expect(report).toMatchObject({ served: 'copy', savedAt: expect.any(Date) });
    expect(restarted.feeds.map((f) => f.url)).toEqual(['https://a.example/rss', pathToFileURL(join(path, '..', 'disk.xml')).href]);
    expect(feedsFileNotes(report)[0]).toBe(`${path}:2: feeds.0.interval: interval is at least 5 minutes`);
    expect(feedsFileNotes(report)[1]).toMatch(/^Its last good version \(2 feeds\), saved \d{4}-\d\d-\d\d \d\d:\d\d UTC, is polled until it is fixed\.$/);

    // Fixed: the file is polled again, and becomes the copy.
    writeFileSync(path, `feeds:\n${feed('a')}`);
    expect(restarted.load()).toMatchObject({ served: 'file', removed: ['disk'] });
    expect(open().load()).toMatchObject({ served: 'file' });
  });

  it('with no good version ever seen, there is nothing to poll: start refuses and names the problem', () => {
    const { path, open } = deployment();
    writeFileSync(path, `feeds:\n  - { name: a, url: "ftp://a.example/rss", language: en }\n`);
    const report = open().load();
    expect(report.served).toBe('none');
    expect(feedsFileNotes(report)).toEqual([
      `${path}:2: feeds.0.url: url must be an http(s) URL (or mark the feed local: true)`,
      'No feeds are polled until it is fixed.',
    ]);
  });

  it('picks up an edit saved by renaming over the file, or through a swapped ..data symlink (a Kubernetes ConfigMap), and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-feeds-watch-'));
    dirs.push(dir);
    // The ConfigMap layout: feeds.yaml -> ..data/feeds.yaml, ..data -> ..<timestamp>.
    const version = (n: number, text: string) => {
      mkdirSync(join(dir, `..v${n}`));
      writeFileSync(join(dir, `..v${n}`, 'feeds.yaml'), text);
      symlinkSync(`..v${n}`, join(dir, `..data_tmp`));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    version(1, `feeds:\n${feed('a')}`);
    symlinkSync('..data/feeds.yaml', join(dir, 'feeds.yaml'));
    const file = new FeedsFile(join(dir, 'feeds.yaml'), { topics });
    file.load();
    const reports: FeedsFileReport[] = [];
    const stop = file.watch((r) => reports.push(r), 30);
    const settled = async (count: number) => {
      for (let i = 0; i < 100 && reports.length < count; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 150));
      return reports.map((r) => ({ added: r.added, removed: r.removed }));
    };
    try {
      version(2, `feeds:\n${feed('a')}${feed('b')}`);
      expect(await settled(1)).toEqual([{ added: ['b'], removed: [] }]);
      // Something else in the folder changes: the text read through the path is the same, no reload.
      writeFileSync(join(dir, 'notes.txt'), 'unrelated');
      expect(await settled(2)).toHaveLength(1);
      // An editor's save: a new file renamed over the old (here, over the symlink).
      writeFileSync(join(dir, '.feeds.yaml.swp'), `feeds:\n${feed('b')}`);
      renameSync(join(dir, '.feeds.yaml.swp'), join(dir, 'feeds.yaml'));
      expect(await settled(2)).toEqual([
        { added: ['b'], removed: [] },
        { added: [], removed: ['a'] },
      ]);
    } finally {
      stop();
    }
  });
});
