import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BriefLibrary } from '../../src/core/briefs/library.js';
import { createPollDeps, type PollSettings } from '../../src/core/feeds/deps.js';
import type { PollDeps } from '../../src/core/feeds/poll.js';
import type { HealthEvent } from '../../src/core/feeds/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Small limits so misbehaving feeds fail fast; a real SQLite file in a fresh temp dir. */
export const TEST_SETTINGS: Partial<PollSettings> = {
  connectTimeoutMs: 500,
  totalTimeoutMs: 600,
  maxBytes: 1024 * 1024,
  parseTimeoutMs: 3000,
};

export function testDeps(extra: Partial<PollDeps> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-feeds-'));
  const store = new SqliteStore(join(dir, 'briefbot.db'));
  const briefs = new BriefLibrary(join(ROOT, 'briefs'));
  briefs.load();
  const events: HealthEvent[] = [];
  const deps = createPollDeps(store, briefs, TEST_SETTINGS, {
    onHealthEvent: (e) => events.push(e),
    ...extra,
  });
  return {
    deps,
    store,
    events,
    dir,
    async cleanup() {
      await deps.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `testDeps` for one test: its store and temp dir cleaned up however the test ends. */
export async function withTestDeps<T>(test: (own: ReturnType<typeof testDeps>) => Promise<T>, extra: Partial<PollDeps> = {}): Promise<T> {
  const own = testDeps(extra);
  try {
    return await test(own);
  } finally {
    await own.cleanup();
  }
}
