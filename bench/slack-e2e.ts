import { request } from 'undici';
import { FakeSlack } from '../tests/fakes/fake-slack.js';
import { type RunningApp, startApp, startAppProcess } from './lib/apps.js';
import { SIGNING_SECRET } from './lib/bots.js';
import { type App, compareApps } from './lib/compare.js';
import { numberFlag, type Row } from './lib/report.js';
import { preparedCommands, startSlackLoad } from './lib/slack-load.js';

/**
 * 1b. Slack over HTTP: signed slash command → HTTP response, the real bot (runBot + Bolt adapter)
 * against a bare Bolt app on the same HTTPReceiver acking a constant string (and one acking the bot's
 * own answer), in alternating rounds of the same run, at concurrency 1 and 32. Each app runs in a
 * process of its own (`--one-process` puts all three in this one, as before session 11); the
 * requests come from a load generator in another, as Slack's would come from outside.
 */
export async function runSlackE2e(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 3000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const start = flags.has('one-process') ? startApp : startAppProcess;
  const fake = await FakeSlack.start();
  const spec = { platform: 'slack' as const, apiUrl: fake.apiUrl, token: fake.botToken };
  const apps: Partial<Record<App, RunningApp>> = {};
  const load = await startSlackLoad(SIGNING_SECRET);
  try {
    const bot = await start({ ...spec, app: 'briefbot' });
    apps.briefbot = bot;
    apps.bare = await start({ ...spec, app: 'bare' });
    apps.samePayload = await start({ ...spec, app: 'samePayload', payloads: await bot.payloads(bot.lines) });
    const url = (app: App) => apps[app]?.url ?? '';
    // A correctness check before timing: the bot answers with the brief, in the ack itself.
    const [probe] = preparedCommands(['/nato-status section:facts'], 1, SIGNING_SECRET);
    const answer = await (await request(url('briefbot'), probe!)).body.text();
    if (!answer.includes('"blocks"')) throw new Error(`bot did not answer with blocks: ${answer.slice(0, 200)}`);

    const { rows, failures } = await compareApps({
      bench: (concurrency) => `slack http c=${concurrency}`,
      metric: `signed request → response, ${rounds}×${calls} calls${flags.has('one-process') ? ', apps in one process' : ''}`,
      samePayload: 'vs bare Bolt acking the same payload',
      rounds,
      calls,
      warmup: 500,
      run: (app, n, concurrency) => load.call('run', { url: url(app), lines: bot.lines, n, concurrency }),
      cpu: (app) => apps[app]!.cpu(),
    });
    if (failures > 0) throw new Error(`${failures} requests failed`);
    return rows;
  } finally {
    await load.close();
    for (const app of Object.values(apps)) await app.stop();
    await fake.close();
  }
}
