import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  botFixture,
  type BotProcess,
  canMount,
  CHANNEL,
  type Deployment,
  kill,
  mountTmpfs,
  readyz,
  remount,
  slash,
  sleep,
  until,
} from './helpers/bot-process.js';

/**
 * The store's disk fails: DATA_DIR read-only or full at start, and full mid-run. The real bot
 * process against the fake Slack. "Full" and "read-only" are a real tmpfs mounted for the test
 * (`mount -t tmpfs -o size=…`, then filled with a filler file or remounted read-only), so SQLite
 * sees the kernel's own ENOSPC and EROFS. Without permission to mount, the read-only case falls
 * back to chmod 0555 (which only binds non-root users) and the full cases are skipped, saying so.
 */

const mountable = canMount();
const isRoot = process.getuid?.() === 0;
if (!mountable)
  console.log(`faults-disk: cannot mount a tmpfs here (root: ${isRoot}); full-disk cases skipped`);

const fx = botFixture();
const { deploy, start } = fx;

/** Write zeros until the file system says ENOSPC. Returns the filler's path. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'a');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

/** What a user sees when the store is unusable: briefs answered, digests explained, /readyz degraded but 200. */
async function expectDegraded(d: Deployment, bot: BotProcess, why: RegExp): Promise<void> {
  const ready = await readyz(d.port);
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('degraded');
  expect(ready.body.reasons.join('\n')).toMatch(/digests disabled/);
  expect(ready.body.reasons.join('\n')).toMatch(why);
  expect(ready.body.reasons.join('\n')).toContain(d.dataDir);

  const [logged] = bot.logs('digests disabled');
  expect(logged?.level).toBe(50);
  expect(String(logged?.msg)).toMatch(why);

  const nato = await slash(fx.fake, d.port, '/nato-status', '');
  expect(nato).toContain('NATO');
  const list = await slash(fx.fake, d.port, '/digest', 'list');
  expect(list).toMatch(/Digests are not running/);
}

describe('DATA_DIR unusable at start: the bot answers from briefs, digests off, and says why', () => {
  it.skipIf(!mountable && isRoot)(
    'read-only (empty) DATA_DIR',
    async () => {
      const d = await deploy();
      if (mountable) {
        mountTmpfs(d.dataDir, '1m');
        remount(d.dataDir, 'ro');
      } else {
        // Non-root without mount: permissions do the job.
        const { mkdirSync, chmodSync } = await import('node:fs');
        mkdirSync(d.dataDir, { recursive: true });
        chmodSync(d.dataDir, 0o555);
      }
      const bot = await start(d);
      await expectDegraded(d, bot, /read-only|readonly|permission|EROFS|EACCES|unable to open/i);
      expect(await kill(bot, 'SIGTERM')).toBe(0);
    },
    60_000,
  );

  it.skipIf(!mountable)(
    'read-only DATA_DIR holding an existing database',
    async () => {
      const d = await deploy({ postWhenEmpty: true });
      mountTmpfs(d.dataDir, '1m');
      const first = await start(d);
      expect(await kill(first, 'SIGTERM')).toBe(0);
      remount(d.dataDir, 'ro');
      const bot = await start(d);
      await expectDegraded(d, bot, /read-only|readonly|EROFS|unable to open/i);
      expect(await kill(bot, 'SIGTERM')).toBe(0);
    },
    60_000,
  );

  it.skipIf(!mountable)(
    'full DATA_DIR (64 KiB tmpfs, filled)',
    async () => {
      const d = await deploy();
      mountTmpfs(d.dataDir, '64k');
      fill(d.dataDir);
      const bot = await start(d);
      await expectDegraded(d, bot, /full|ENOSPC/i);
      expect(await kill(bot, 'SIGTERM')).toBe(0);
    },
    60_000,
  );
});

describe('DATA_DIR fills up mid-run', () => {
  it.skipIf(!mountable)(
    'a digest sent while the disk is full is reported, the bot keeps running and answering, and it is marked delivered once space is back — never posted twice, database intact',
    async () => {
      const d = await deploy({ postWhenEmpty: true });
      mountTmpfs(d.dataDir, '2m');
      const bot = await start(d);
      // The startup catch-up may already have posted; count from here.
      await sleep(500);
      fx.fake.messages.clear();
      let filler = '';
      // The moment Slack receives the page, the disk fills: the send succeeds, recording it cannot.
      fx.fake.onRequest = (r) => {
        if (r.apiMethod === 'chat.postMessage' && !filler) filler = fill(d.dataDir);
      };
      const answer = await slash(fx.fake, d.port, '/digest', 'now');
      expect(answer).toMatch(/went wrong|error/i);
      expect(fx.fake.messages.get(CHANNEL) ?? []).toHaveLength(1);
      // SQLite's own words in the log: SQLITE_FULL, or SQLITE_IOERR when the WAL write is the one refused.
      // (pino writes asynchronously: the line may land just after the answer.)
      const sqliteWords = /SQLITE_FULL|SQLITE_IOERR|database or disk is full|disk I\/O error/;
      await until(() => sqliteWords.test(bot.output()), 5000);
      expect(bot.output()).toMatch(sqliteWords);

      // Briefs are still served, and the process survives the delivery loop's next pass (every 15 s).
      expect(await slash(fx.fake, d.port, '/china-ties', '')).toContain('China');
      await sleep(16_000);
      expect(bot.child.exitCode).toBeNull();
      expect(bot.child.signalCode).toBeNull();
      expect(bot.logs('digest delivery pass failed').length).toBeGreaterThan(0);
      expect((await readyz(d.port)).status).toBe(200);

      // Space comes back: the next pass finds the page already in the channel and records it.
      rmSync(filler);
      const delivered = await until(
        () => {
          const db = new Database(d.db, { readonly: true });
          try {
            return (
              (
                db
                  .prepare(
                    "SELECT count(*) AS n FROM outbox WHERE state = 'delivered' AND message_ids NOT LIKE '%null%'",
                  )
                  .get() as { n: number }
              ).n >= 1
            );
          } finally {
            db.close();
          }
        },
        20_000,
        500,
      );
      expect(delivered).toBe(true);
      expect(fx.fake.messages.get(CHANNEL) ?? []).toHaveLength(1);
      expect(await kill(bot, 'SIGTERM')).toBe(0);

      const db = new Database(d.db, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT state, message_ids FROM outbox ORDER BY slot').all() as {
        state: string;
        message_ids: string;
      }[];
      db.close();
      const ts = (fx.fake.messages.get(CHANNEL) ?? []).map((m) => m.ts);
      expect(rows.at(-1)).toEqual({ state: 'delivered', message_ids: JSON.stringify(ts) });
    },
    90_000,
  );
});
