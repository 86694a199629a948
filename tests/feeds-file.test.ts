import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedsFile, feedsFileNotes } from '../src/core/feeds/feeds-file.js';
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
});
