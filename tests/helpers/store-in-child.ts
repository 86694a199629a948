/**
 * Another process storing one tagged item into a store, as `briefbot poll --once` beside the bot
 * does (the real SqliteStore and its `storeItems`, the clock read through `seenAt`). Run as
 * `node --import tsx tests/helpers/store-in-child.ts <db file> <title> <hold ms>`; it prints `storing`
 * before it asks for the store, `inside` once inside its transaction (where it then holds the write
 * lock for <hold ms>), and `stored <firstSeenAt ms>` after the commit.
 */
import { writeSync } from 'node:fs';
import { SqliteStore } from '../../src/store/sqlite.js';

const [file, title, holdMs] = process.argv.slice(2) as [string, string, string];
// Synchronous on purpose: the parent must read each line while this process sits in SQLite.
const say = (line: string) => writeSync(1, `${line}\n`);
const store = new SqliteStore(file);
let firstSeenAt = 0;
say('storing');
await store.storeItems(
  [
    {
      feed: 'other-process',
      guid: title,
      link: `https://example.org/${encodeURIComponent(title)}`,
      title,
      summary: 'What was agreed, and by whom.',
      outlet: 'Other Process Wire',
      language: 'en',
      publishedAt: new Date(),
      firstSeenAt: new Date(0),
      dateSource: 'first-seen',
      tags: [{ topic: 'nato-status', terms: ['otan'] }],
    },
  ],
  () => {
    say('inside');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
    return undefined;
  },
  (s) => {
    firstSeenAt = s.item.firstSeenAt.getTime();
  },
  () => new Date(),
);
await store.close();
say(`stored ${firstSeenAt}`);
