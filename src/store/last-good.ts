import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LastGoodCopies } from '../core/last-good.js';
import type { Log } from '../core/log.js';

/**
 * Last good copies as plain files in `dir` (under DATA_DIR), not SQLite: briefs and feeds.yaml load
 * before the store opens, and a moderator can read a copy with any editor. A data dir that cannot be
 * written costs only the copies: logged once, the bot still runs.
 */
export function lastGoodFiles(dir: string, log: Pick<Log, 'warn'>): LastGoodCopies {
  let warned = false;
  const attempt = (what: string, work: () => void) => {
    try {
      work();
    } catch (err) {
      if (!warned) log.warn({ err, dir }, `last good copies: could not ${what}; a file broken while the bot is down will not be covered after a restart`);
      warned = true;
    }
  };
  return {
    read(name) {
      try {
        const file = join(dir, name);
        return { text: readFileSync(file, 'utf8'), savedAt: statSync(file).mtime };
      } catch {
        return undefined;
      }
    },
    write(name, text) {
      attempt('save one', () => {
        mkdirSync(dir, { recursive: true });
        // Written aside and renamed: a crash mid-write never leaves half a file as the copy.
        const aside = join(dir, `.${name}.tmp`);
        writeFileSync(aside, text);
        renameSync(aside, join(dir, name));
      });
    },
    remove(name) {
      attempt('remove one', () => rmSync(join(dir, name), { force: true }));
    },
    names() {
      try {
        return readdirSync(dir).filter((n) => !n.startsWith('.'));
      } catch {
        return [];
      }
    },
  };
}

/** Where every way of running keeps them: beside the store, in DATA_DIR. */
export const lastGoodBriefs = (dataDir: string, log: Pick<Log, 'warn'>) => lastGoodFiles(join(dataDir, 'briefs-last-good'), log);
export const lastGoodFeeds = (dataDir: string, log: Pick<Log, 'warn'>) => lastGoodFiles(join(dataDir, 'feeds-last-good'), log);

/** For the one-shot commands: a warning is a line on stderr. */
export const stderrLog: Pick<Log, 'warn'> = { warn: (_, msg) => process.stderr.write(`briefbot: ${msg}\n`) };
