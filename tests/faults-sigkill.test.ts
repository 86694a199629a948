import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './fakes/fake-slack.js';
import {
  ADMIN,
  type BotProcess,
  CHANNEL,
  cleanup,
  deployment,
  exited,
  kill,
  seeded,
  seedFromEnv,
  sleep,
  spawnBot,
  startBot,
  until,
} from './helpers/bot-process.js';
import { signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import { SIGNING_SECRET } from './fakes/slack-harness.js';

/**
 * Random SIGKILLs across 20 digest runs of the real bot process (`briefbot start`, Slack HTTP mode,
 * fake Slack). Each run posts a digest with `/digest now` (its own slot) and, by a seeded coin,
 * kills the process: at a random moment after the command, the moment Slack receives a page
 * (before or after Slack posted it), or at a random moment during the next start-up, when pending
 * digests are being delivered. Then it restarts. At the end every slot in the outbox must be in
 * the channel exactly once per page, and nothing else: none lost, none doubled.
 * Replay a run with FAULTS_SEED=<seed printed below>.
 */

const RUNS = 20;
const seed = seedFromEnv();
let fake: FakeSlack;

beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake.close();
});

type Mode =
  | 'clean'
  | 'kill-after-command'
  | 'kill-at-post-unsent'
  | 'kill-at-post-sent'
  | 'kill-during-start';
const MODES: Mode[] = [
  'clean',
  'kill-after-command',
  'kill-at-post-unsent',
  'kill-at-post-sent',
  'kill-during-start',
];

describe('random SIGKILLs during 20 digest runs', () => {
  it(`every slot's digest reaches Slack exactly once (seed ${seed})`, async () => {
    console.log(`faults-sigkill: seed ${seed} (replay with FAULTS_SEED=${seed})`);
    const random = seeded(seed);
    const d = await deployment(fake, { postWhenEmpty: true, env: { LOG_LEVEL: 'warn' } });
    const started = Date.now();
    const modes: Mode[] = [];
    let kills = 0;
    let acked = 0;
    let bot: BotProcess | undefined;
    let armed = false;
    fake.onRequest = (r) => {
      if (armed && r.apiMethod === 'chat.postMessage' && bot) {
        armed = false;
        bot.child.kill('SIGKILL');
      }
    };
    const alive = (b: BotProcess | undefined): b is BotProcess =>
      !!b && b.child.exitCode === null && b.child.signalCode === null;
    const digestNow = async (port: number) => {
      const fields = slashCommandFields({
        command: '/digest',
        text: 'now',
        channel_id: CHANNEL,
        user_id: ADMIN,
        response_url: fake.responseUrl('now'),
      });
      const text = await fetch(
        `http://127.0.0.1:${port}/slack/events`,
        signedRequest(fields, { signingSecret: SIGNING_SECRET }),
      ).then(
        (r) => r.text(),
        () => '',
      );
      if (text.includes('Digest posted')) acked++;
    };

    try {
      for (let run = 0; run < RUNS; run++) {
        const mode = MODES[Math.floor(random() * MODES.length)]!;
        modes.push(mode);
        if (mode === 'kill-during-start') {
          // Restart, and die at a random moment while starting: catching up, delivering what is pending.
          if (alive(bot)) await kill(bot, 'SIGTERM');
          bot = spawnBot(d);
          await sleep(300 + random() * 2500);
          await kill(bot);
          kills++;
          continue;
        }
        if (!alive(bot)) bot = await startBot(d, { timeoutMs: 30_000 });
        const command = digestNow(d.port);
        if (mode === 'clean') {
          await command;
        } else if (mode === 'kill-after-command') {
          await sleep(random() * 400);
          await kill(bot);
          kills++;
          await command;
        } else {
          fake.script('chat.postMessage', { hang: true, record: mode === 'kill-at-post-sent' });
          armed = true;
          const died = await until(() => !alive(bot), 10_000);
          armed = false;
          if (!died) throw new Error(`run ${run}: no chat.postMessage arrived to kill at`);
          await exited(bot.child);
          kills++;
          await command;
        }
      }

      // The last start delivers whatever is still pending; wait until the outbox is settled.
      if (!alive(bot)) bot = await startBot(d, { timeoutMs: 30_000 });
      const settled = await until(() => pending(d.db) === 0, 45_000, 250);
      await sleep(1000); // …and a little longer, to catch a second copy.
      expect(await kill(bot, 'SIGTERM')).toBe(0);
      expect(settled).toBe(true);

      const rows = outbox(d.db);
      const messages = fake.messages.get(CHANNEL) ?? [];
      const keyOf = (m: (typeof messages)[number]) =>
        (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
      const expected = rows.flatMap((r) =>
        r.pages.map((_, i) => `digest:${r.subscription_id}:${new Date(r.slot).toISOString()}:${i}`),
      );
      const seen = messages.map(keyOf);
      const counts = new Map<string, number>();
      for (const k of seen) counts.set(String(k), (counts.get(String(k)) ?? 0) + 1);
      const doubled = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
      const lost = expected.filter((k) => !counts.has(k));
      const stray = seen.filter((k) => !expected.includes(String(k)));
      const tally: Record<string, number> = {};
      for (const m of modes) tally[m] = (tally[m] ?? 0) + 1;
      console.log(
        `faults-sigkill: seed ${seed}: ${RUNS} runs ${JSON.stringify(tally)}, ${kills} SIGKILLs, ${rows.length} slots ` +
          `(${acked} acknowledged to the user), ${expected.length} pages expected, ${messages.length} messages at Slack; ` +
          `lost ${lost.length}, doubled ${doubled.length}, stray ${stray.length}; ${Math.round((Date.now() - started) / 1000)} s`,
      );
      expect({ lost, doubled, stray }).toEqual({ lost: [], doubled: [], stray: [] });
      expect(rows.every((r) => r.state === 'delivered')).toBe(true);
      // The outbox's record of each page is the message Slack holds for that key.
      const tsByKey = new Map(messages.map((m) => [String(keyOf(m)), m.ts]));
      for (const r of rows) {
        const ids = r.pages.map((_, i) =>
          tsByKey.get(`digest:${r.subscription_id}:${new Date(r.slot).toISOString()}:${i}`),
        );
        expect(r.message_ids).toEqual(ids);
      }
      // Every digest a user was told is being posted has a slot (and so arrived, above).
      expect(rows.length).toBeGreaterThanOrEqual(acked);
      expect(rows.length).toBeGreaterThanOrEqual(RUNS / 3);
    } finally {
      fake.onRequest = undefined;
      if (alive(bot)) await kill(bot);
      cleanup(d);
    }
  }, 600_000);
});

function pending(db: string): number {
  const conn = new Database(db, { readonly: true });
  try {
    return (conn.prepare("SELECT count(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number })
      .n;
  } finally {
    conn.close();
  }
}

function outbox(db: string) {
  const conn = new Database(db, { readonly: true });
  try {
    return (
      conn
        .prepare('SELECT subscription_id, slot, state, pages, message_ids FROM outbox ORDER BY slot')
        .all() as {
        subscription_id: number;
        slot: number;
        state: string;
        pages: string;
        message_ids: string;
      }[]
    ).map((r) => ({
      ...r,
      pages: JSON.parse(r.pages) as unknown[],
      message_ids: JSON.parse(r.message_ids) as (string | null)[],
    }));
  } finally {
    conn.close();
  }
}
