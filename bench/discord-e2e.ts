import { type RunningApp, startApp, startAppProcess } from './lib/apps.js';
import { DISCORD_APP_ID, DISCORD_TOKEN } from './lib/bots.js';
import { type App, compareApps } from './lib/compare.js';
import { startDiscordWorld } from './lib/discord-world.js';
import { numberFlag, type Row } from './lib/report.js';

/**
 * 1c. Discord over the gateway: INTERACTION_CREATE dispatched by the fake → the interaction callback
 * body received by the fake, for the real bot and for a bare discord.js client replying `'ok'` (and
 * one replying the bot's own answer), alternating rounds. Each app runs in a process of its own
 * (`--one-process` puts all three in this one, as before session 11); the fake Discord and its users
 * in another (bench/lib/discord-world.ts).
 */
export async function runDiscordE2e(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 2000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const start = flags.has('one-process') ? startApp : startAppProcess;
  const { apiUrls, world } = await startDiscordWorld({ token: DISCORD_TOKEN, applicationId: DISCORD_APP_ID });
  const apps: Partial<Record<App, RunningApp>> = {};
  try {
    const bot = await start({ platform: 'discord', app: 'briefbot', apiUrl: apiUrls.briefbot });
    apps.briefbot = bot;
    apps.bare = await start({ platform: 'discord', app: 'bare', apiUrl: apiUrls.bare });
    apps.samePayload = await start({ platform: 'discord', app: 'samePayload', apiUrl: apiUrls.samePayload, payloads: await bot.payloads(bot.lines) });
    const probe = (await world.call('probe', { app: 'briefbot', line: '/nato-status section:facts' })) as { type?: number; data?: { embeds?: unknown[] } };
    if (probe.type !== 4 || !probe.data?.embeds?.length) throw new Error(`bot did not answer with embeds: ${JSON.stringify(probe)}`);

    const { rows, failures } = await compareApps({
      bench: (concurrency) => `discord gateway c=${concurrency}`,
      metric: `INTERACTION_CREATE → callback, ${rounds}×${calls} calls${flags.has('one-process') ? ', apps in one process' : ''}`,
      samePayload: 'vs bare discord.js replying the same payload',
      rounds,
      calls,
      warmup: 300,
      run: (app, n, concurrency) => world.call('run', { app, lines: bot.lines, n, concurrency }),
      cpu: (app) => apps[app]!.cpu(),
    });
    if (failures > 0) throw new Error(`${failures} interactions were not answered`);
    return rows;
  } finally {
    for (const app of Object.values(apps)) await app.stop();
    await world.close();
  }
}
