import { rmSync } from 'node:fs';
import { createCore } from '../src/app.js';
import { dispatchText } from '../src/core/commands/dispatch.js';
import type { Platform } from '../src/core/commands/types.js';
import { createLogger } from '../src/logger.js';
import { renderDiscord } from '../src/platforms/discord/render.js';
import { renderSlack } from '../src/platforms/slack/render.js';
import { commandLines, makeBriefsDir } from './lib/briefs.js';
import { numberFlag, type Row } from './lib/report.js';
import { ms, summarise } from './lib/stats.js';
import { nullStream } from './lib/streams.js';

/**
 * 1a. In-process: a command line → dispatchText → rendered payload, for Discord and Slack, with 50
 * briefs loaded. The core logs one line per command at info, as in production, into a null stream.
 */
export async function runLatency(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 10_000);
  const { dir, topics } = makeBriefsDir(47);
  try {
    const logger = createLogger('info', [], nullStream());
    const core = createCore({ BRIEFS_DIR: dir }, logger);
    const loaded = core.briefs.list().length;
    if (loaded !== 50) throw new Error(`expected 50 briefs loaded, got ${loaded}`);
    const lines = commandLines(topics);
    const bad: string[] = [];
    const observe: typeof core.observe = (e) => {
      if (e.outcome !== 'ok') bad.push(`${e.command}: ${e.outcome}`);
      core.observe(e);
    };
    const rows: Row[] = [];
    for (const platform of ['discord', 'slack'] as Platform[]) {
      const render = platform === 'discord' ? renderDiscord : renderSlack;
      const one = async (i: number) => {
        const reply = await dispatchText(
          lines[i % lines.length]!,
          { user: { id: 'U1', name: 'ana' }, channelId: 'C1', platform, canManageChannel: false },
          core.context,
          observe,
        );
        render(reply);
      };
      for (let i = 0; i < 2000; i++) await one(i); // warm-up: JIT, caches
      const samples: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await one(i);
        samples.push(performance.now() - t);
      }
      const s = summarise(samples);
      rows.push({
        bench: `in-process ${platform}`,
        metric: `request → payload, ${calls} calls, 50 briefs`,
        value: `p50 ${ms(s.p50)} · p99 ${ms(s.p99)}`,
        verdict: 'info',
        note: `mean ${ms(s.mean)}, max ${ms(s.max, 1)}`,
      });
    }
    if (bad.length > 0) throw new Error(`commands did not answer ok: ${[...new Set(bad)].join(', ')}`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
