import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from './fakes/fake-discord.js';
import { FakeSlack, signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import { freePort, writeSampleFeeds } from './helpers/bot-process.js';

/**
 * Secrets never appear in logs, errors or /metrics. The real `briefbot start` runs as child processes
 * at LOG_LEVEL=trace with all four secrets set to distinctive values, against the fake Discord and
 * the fake Slack: (a) both platforms over HTTP, exercised with commands, a forged Slack request and
 * a scrape of /metrics; (b) Slack in Socket Mode with the app token; (c) a Discord token the gateway
 * rejects; (d) a configuration error whose bad values are themselves secrets. Everything each
 * process wrote to stdout and stderr, and every /metrics body, is searched for each secret and for
 * each long piece of one.
 */

const APP_ID = '444444444444444444';
const DISCORD_TOKEN = 'NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0.SeCrEt.discordSECRETxyzzy0123456789abcdefghij';
const WRONG_DISCORD_TOKEN = 'NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0.WrOnG9.discordWRONGSECRETqwerty0123456789abcd';
const SLACK_BOT_TOKEN = 'xoxb-1111-2222-slackBOTsecretPlugh9876';
const SLACK_APP_TOKEN = 'xapp-1-A0FAKE-3333-slackAPPsecretXyzzy5432';
const SLACK_SIGNING_SECRET = 'c0ffee00deadbeef5ec12e7a5ec12e7a';
const SECRETS = [DISCORD_TOKEN, WRONG_DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET];

/** The secrets and every piece of one 10 characters or longer (a token cut at a dot or a dash). */
const NEEDLES = [...new Set(SECRETS.flatMap((s) => [s, ...s.split(/[.-]/).filter((p) => p.length >= 10)]))];

let discord: FakeDiscord;
/** Its own fake for the rejected token: one fake Discord serves one bot. */
let rejecting: FakeDiscord;
let slack: FakeSlack;
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  discord = await FakeDiscord.start({ token: DISCORD_TOKEN, applicationId: APP_ID });
  rejecting = await FakeDiscord.start({ token: DISCORD_TOKEN, applicationId: APP_ID });
  slack = await FakeSlack.start({ botToken: SLACK_BOT_TOKEN, appToken: SLACK_APP_TOKEN });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await discord?.close();
  await rejecting?.close();
  await slack?.close();
});


interface Run {
  port: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function run(env: Record<string, string>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-secrets-'));
  dirs.push(dir);
  const port = await freePort();
  // Local sample feeds: no network, but the poller, the store and their logs all run.
  writeSampleFeeds(join(dir, 'feeds.yaml'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      BRIEFS_DIR: resolve('briefs'),
      DATA_DIR: join(dir, 'data'),
      FEEDS_FILE: join(dir, 'feeds.yaml'),
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_API_URL: discord.apiUrl,
      SLACK_API_URL: slack.apiUrl,
      SHUTDOWN_GRACE_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { port, child, output: () => output, exited };
}

async function ready(r: Run): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (r.child.exitCode !== null) throw new Error(`bot exited with ${r.child.exitCode}: ${r.output()}`);
    if (await fetch(`http://127.0.0.1:${r.port}/readyz`).then((res) => res.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`bot not ready in 20 s: ${r.output()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Stop (or wait for) the process; everything it wrote. */
async function finish(r: Run, ms = 15_000): Promise<string> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), ms);
  await r.exited;
  clearTimeout(timer);
  return r.output();
}

const leaks = (text: string) => NEEDLES.filter((n) => text.includes(n));

describe('no secret in logs, errors or /metrics', () => {
  it('four runs of `briefbot start` at LOG_LEVEL=trace: running, socket mode, rejected token, config error', async () => {
    const [http, socket, rejected, misconfigured] = await Promise.all([
      run({ DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_ADMIN_USERS: 'U0ADMIN' }),
      run({ SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET }),
      run({ DISCORD_TOKEN: WRONG_DISCORD_TOKEN, DISCORD_API_URL: rejecting.apiUrl }),
      // Each value is malformed, and each is a secret: the error must name the variable, not the value.
      run({ DISCORD_TOKEN: `${DISCORD_TOKEN}!`, SLACK_BOT_TOKEN: `x${SLACK_BOT_TOKEN}`, SLACK_APP_TOKEN: `${SLACK_APP_TOKEN} `, SLACK_SIGNING_SECRET: `${SLACK_SIGNING_SECRET}zz` }),
    ]);
    const scraped: string[] = [];
    const scrape = async (r: Run) => scraped.push(await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text());

    // (a) Both platforms, exercised.
    await ready(http);
    const events = `http://127.0.0.1:${http.port}/slack/events`;
    const command = (fields: Record<string, string>, forged = false) =>
      fetch(events, signedRequest(slashCommandFields(fields), { signingSecret: SLACK_SIGNING_SECRET, badSignature: forged }));
    expect((await command({ command: '/nato-status' })).status).toBe(200);
    expect((await command({ command: '/digest', text: 'now', user_id: 'U0ADMIN', response_url: slack.responseUrl('now') })).status).toBe(200);
    expect((await command({ command: '/nato-status' }, true)).status).toBe(401);
    const { id } = discord.dispatchInteraction({ name: 'china-ties' });
    expect((await discord.callbackFor(id)).status).toBeLessThan(300);
    await scrape(http);

    // (b) Socket Mode: the app token is used, never shown.
    await ready(socket);
    await scrape(socket);

    const outputs = {
      http: await finish(http),
      socket: await finish(socket),
      rejected: await finish(rejected),
      misconfigured: await finish(misconfigured),
    };
    // Each run did what it was meant to: (c) failed on the token, (d) on the configuration.
    expect(outputs.rejected).toMatch(/token|4004|Authentication/i);
    expect(outputs.misconfigured).toContain('DISCORD_TOKEN');
    expect(outputs.misconfigured).toContain('SLACK_SIGNING_SECRET');
    expect(outputs.http).toContain('"level":20'); // debug lines (Bolt's HTTP traces among them) were written
    expect(scraped.every((m) => m.includes('briefbot_commands_total'))).toBe(true);

    for (const [name, text] of Object.entries(outputs)) expect(leaks(text), `${name} output`).toEqual([]);
    for (const m of scraped) expect(leaks(m), '/metrics').toEqual([]);
  }, 60_000);
});
