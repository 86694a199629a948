import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from '../src/config.js';
import { listen } from '../src/http/server.js';

const discordToken = `${'M'.repeat(24)}.GaBcDe.${'x'.repeat(27)}`;

describe('configuration', () => {
  it('has embedded defaults for everything but the platforms', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, DATA_DIR: './data', BRIEFS_DIR: './briefs', LOG_LEVEL: 'info', SLACK_ADMIN_USERS: [] });
    expect(c.DISCORD_TOKEN).toBeUndefined();
  });

  it.each([
    [{ DISCORD_TOKEN: 'not-a-token' }, 'DISCORD_TOKEN must be a bot token: three dot-separated parts'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_APP_TOKEN: 'xapp-1' }, 'SLACK_BOT_TOKEN must start with xoxb-'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1-2' }, 'SLACK_SIGNING_SECRET is required for Slack HTTP mode'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: 'short' }, 'SLACK_SIGNING_SECRET must be 32 hex characters'],
    [{ PORT: 'eighty' }, 'PORT:'],
    [{ DISCORD_API_URL: 'ftp://x' }, 'DISCORD_API_URL must be an http(s) URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL:'],
    [{ SLACK_API_URL: 'http://proxyuser:s3cretpw@127.0.0.1:1/api/' }, 'SLACK_API_URL must not hold a user name or password'],
    [{ SHUTDOWN_GRACE_MS: '3000000000' }, 'SHUTDOWN_GRACE_MS must be at most 2147483647'],
  ])('%j stops start-up naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads an empty variable as not set, and a token with the newline of $(cat file) as the token', () => {
    // PORT= used to mean port 0: a random port, while the health check probed 3000.
    expect(loadConfig({ PORT: '', LOG_LEVEL: ' ', DATA_DIR: '', FEEDS_FILE: '' })).toMatchObject({
      PORT: 3000,
      LOG_LEVEL: 'info',
      DATA_DIR: './data',
      FEEDS_FILE: './feeds.yaml',
    });
    const c = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token\n', SLACK_SIGNING_SECRET: ` ${'a'.repeat(32)}\r\n`, DISCORD_TOKEN: `${discordToken}\n` });
    expect([c.SLACK_BOT_TOKEN, c.SLACK_SIGNING_SECRET, c.DISCORD_TOKEN]).toEqual(['xoxb-test-token', 'a'.repeat(32), discordToken]);
  });

  it('accepts well-formed tokens and never echoes them in errors', () => {
    expect(loadConfig({ DISCORD_TOKEN: discordToken }).DISCORD_TOKEN).toBe(discordToken);
    try {
      loadConfig({ DISCORD_TOKEN: discordToken, PORT: 'x' });
    } catch (err) {
      expect(String(err)).not.toContain(discordToken);
    }
  });

  it('warns of settings that would switch something off without a word: a misspelt name, Slack without its bot token, notes for a platform not run', () => {
    const env = {
      DISCORD_TOKEN: discordToken,
      SLACK_BOT_TOKENS: 'xoxb-1-2',
      SLACK_APP_TOKEN: 'xapp-1-2',
      LOG_LEVL: 'debug',
      SLACK_WEBHOOK: 'https://hooks.example/x',
      MODERATOR_CHANNEL: 'slack:C0MODS',
      // Not ours: never named.
      HOME: '/root',
      PATH: '/usr/bin',
      DEMO_FEEDS_FILE: 'x.yaml',
    };
    expect(configWarnings(env, loadConfig(env))).toEqual([
      'SLACK_BOT_TOKENS is not a briefbot setting (did you mean SLACK_BOT_TOKEN?): it is ignored',
      'LOG_LEVL is not a briefbot setting (did you mean LOG_LEVEL?): it is ignored',
      'SLACK_WEBHOOK is not a briefbot setting: it is ignored',
      'SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: Slack is off',
      'MODERATOR_CHANNEL is on slack, which this process does not run: its notes go to the log only',
    ]);
    expect(configWarnings({ DISCORD_TOKEN: discordToken, HOME: '/root' }, loadConfig({ DISCORD_TOKEN: discordToken }))).toEqual([]);
  });

  it('`briefbot start` with no platform names the variables and the demo, and exits 1', () => {
    const env = { ...process.env, DISCORD_TOKEN: '', SLACK_BOT_TOKEN: '' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { encoding: 'utf8', env });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('set DISCORD_TOKEN (Discord) and/or SLACK_BOT_TOKEN');
    expect(run.stderr).toContain('npm run demo');
  });

  it('`briefbot start` with a malformed token fails fast naming it', () => {
    const env = { ...process.env, DISCORD_TOKEN: 'abc' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { encoding: 'utf8', env });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('DISCORD_TOKEN must be a bot token');
    expect(run.stderr).not.toContain('abc');
  });

  it('`briefbot start` with no brief to serve and no last good copies (a first deployment) names the folder and exits 1', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-no-briefs-'));
    try {
      // A file where the folder should be, as with a mistyped BRIEFS_DIR.
      const env = { ...process.env, DISCORD_TOKEN: discordToken, BRIEFS_DIR: 'README.md', DATA_DIR: dataDir };
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { encoding: 'utf8', env, timeout: 20_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('No brief to serve: BRIEFS_DIR README.md has none that reads cleanly, and DATA_DIR has no last good copies.');
      expect(run.stderr).toContain('README.md:0: cannot read the briefs folder: ENOTDIR');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('`briefbot start` on a port already in use names PORT and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-port-'));
    try {
      const env = { ...process.env, DISCORD_TOKEN: discordToken, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir };
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d;
        });
        child.on('exit', (status) => resolve({ status, stderr }));
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`cannot listen for /healthz, /metrics and Slack requests: port ${port} is in use on 127.0.0.1: stop what holds it, or set PORT to another`);
    } finally {
      holder.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('listening leaves no listener of its own behind: a later server error is not swallowed', async () => {
    const server = createServer();
    await listen(server, 0, '127.0.0.1');
    expect(server.listenerCount('error')).toBe(0);
    server.close();
  });

  it('`briefbot start` with a broken subscriptions file names each problem by line, before connecting anywhere', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-subs-'));
    try {
      const file = join(dir, 'subscriptions.yaml');
      writeFileSync(file, "subscriptions:\n  - platform: slack\n    channelId: C1\n    topics: [nato-status]\n    schedule: { time: '8am', timezone: UTC }\n");
      const env = { ...process.env, DISCORD_TOKEN: 'aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbb.cccccccccccccccccccccccccccccccccc', SUBSCRIPTIONS_FILE: file, DATA_DIR: join(dir, 'data') };
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { encoding: 'utf8', env });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`SUBSCRIPTIONS_FILE ${file} has problems:\n  ${file}:5: subscriptions.0.schedule.time: time must be HH:MM, 24-hour`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  it('lists every variable the configuration reads', async () => {
    const { readFileSync } = await import('node:fs');
    const { configSchema } = await import('../src/config.js');
    const listed = new Set(
      readFileSync('.env.example', 'utf8')
        .split('\n')
        .map((l) => /^([A-Z_]+)=/.exec(l)?.[1])
        .filter(Boolean),
    );
    expect(Object.keys(configSchema.shape).filter((k) => !listed.has(k))).toEqual([]);
    // And every variable the code reads outside the schema (the CLI's defaults, the demo).
    const { execFileSync } = await import('node:child_process');
    const read = execFileSync('grep', ['-rhoE', 'process\\.env\\.[A-Z_]+', 'src'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((m) => m.replace('process.env.', ''));
    expect([...new Set(read)].filter((k) => !listed.has(k))).toEqual([]);
  });

  it('the example subscriptions file is valid', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { subscriptionSchema } = await import('../src/core/digests/subscription.js');
    const { subscriptions } = parse(readFileSync('examples/subscriptions.yaml', 'utf8')) as { subscriptions: unknown[] };
    for (const s of subscriptions) expect(subscriptionSchema.safeParse(s).error).toBeUndefined();
  });
});
