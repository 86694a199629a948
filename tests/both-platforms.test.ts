import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { APP_ID, TOKEN } from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { FakeSlack, signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import { SIGNING_SECRET } from './fakes/slack-harness.js';
import { freePort, writeSampleFeeds } from './helpers/bot-process.js';

/** `briefbot start` with Discord and Slack configured: one process serves both, and stops cleanly. */

const briefs = new BriefLibrary('briefs');
briefs.load();
let discord: FakeDiscord;
let slack: FakeSlack;
let child: ChildProcess;
let port: number;
let output = '';
const dir = mkdtempSync(join(tmpdir(), 'briefbot-both-'));

beforeAll(async () => {
  discord = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
  slack = await FakeSlack.start();
  port = await freePort();
  writeSampleFeeds(join(dir, 'feeds.yaml'));
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BRIEFS_DIR: resolve('briefs'),
      DATA_DIR: join(dir, 'data'),
      FEEDS_FILE: join(dir, 'feeds.yaml'),
      DISCORD_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_API_URL: discord.apiUrl,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_APP_TOKEN: '',
    },
  });
  child.stdout?.on('data', (b: Buffer) => {
    output += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b;
  });
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await discord.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('both platforms in one process', () => {
  it('answers on Discord and on Slack', async () => {
    const nato = briefs.get('nato-status')!;
    const { id } = discord.dispatchInteraction({ name: 'nato-status' });
    const callback = await discord.callbackFor(id);
    const body = callback.body as { data: { embeds: { title: string }[]; allowed_mentions: unknown } };
    expect(body.data.embeds[0]!.title).toBe(nato.title);
    expect(body.data.allowed_mentions).toEqual({ parse: [] });

    const china = briefs.get('china-ties')!;
    const fields = slashCommandFields({ command: '/china-ties', response_url: slack.responseUrl('both') });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, signedRequest(fields, { signingSecret: SIGNING_SECRET }));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { blocks: { type: string; text?: { text: string } }[] };
    expect(answer.blocks[0]).toMatchObject({ type: 'header', text: { text: china.title } });
  });

  it('reports both as ready and counts commands per platform, and the feeds it polled', async () => {
    const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', reasons: [] });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('briefbot_commands_total{platform="discord",command="nato-status",outcome="ok"} 1');
    expect(metrics).toContain('briefbot_commands_total{platform="slack",command="china-ties",outcome="ok"} 1');
    // The two sample feeds, polled at start.
    expect(metrics).toContain('briefbot_feed_polls_total{result="ok"} 2');
    expect(metrics).toMatch(/^briefbot_feed_items_stored_total [1-9]\d*$/m);
    expect(metrics).toContain('briefbot_feeds{state="ok"} 2');
  });

  it('logs one JSON line per command with platform, command, latency and outcome', () => {
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'command');
    expect(lines.map((l) => [l.platform, l.command, l.outcome])).toEqual([
      ['discord', 'nato-status', 'ok'],
      ['slack', 'china-ties', 'ok'],
    ]);
    for (const l of lines) expect(typeof l.ms).toBe('number');
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(SIGNING_SECRET);
  });

  it('SIGTERM stops both and exits 0', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});
