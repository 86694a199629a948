import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { start } from '../src/main/start.js';
import { createSlackAdapter } from '../src/platforms/slack/adapter.js';
import type { PlatformAdapter } from '../src/platforms/types.js';
import { FakeSlack } from './fakes/fake-slack.js';
import { failOnUnhandledRejections, LogSink, slackEnv } from './fakes/slack-harness.js';

/** Start-up failures are clear, name the setting to fix, and never crash the process. */

failOnUnhandledRejections();
let fake: FakeSlack | undefined;
let adapter: PlatformAdapter | undefined;
afterEach(async () => {
  await adapter?.stop();
  await fake?.close();
  adapter = undefined;
  fake = undefined;
});

function adapterFor(env: NodeJS.ProcessEnv): { adapter: PlatformAdapter; logs: LogSink } {
  const config = loadConfig(env);
  const logs = new LogSink();
  const core = createCore(config, createLogger('debug', [], logs));
  const made = createSlackAdapter(
    config,
    { context: core.context, observe: core.observe, logger: core.logger },
    { clientOptions: { retryConfig: { retries: 0 } } },
  );
  return { adapter: made, logs };
}

describe('missing or malformed signing secret (HTTP mode)', () => {
  const env = { SLACK_BOT_TOKEN: 'xoxb-1-abc', PORT: '0', HOST: '127.0.0.1' };

  it('loadConfig names SLACK_SIGNING_SECRET', () => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ ...env, SLACK_SIGNING_SECRET: 'not-hex' })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('start() fails fast with the same message, before opening anything', async () => {
    const started = performance.now();
    await expect(start(env)).rejects.toThrow(/SLACK_SIGNING_SECRET/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('Socket Mode needs no signing secret', () => {
    expect(loadConfig({ ...env, SLACK_APP_TOKEN: 'xapp-1-abc' }).SLACK_APP_TOKEN).toBe('xapp-1-abc');
  });
});

describe('Slack unreachable at start', () => {
  it('start() gives up within seconds, naming the token it could not verify, with the production retry settings', async () => {
    // A port nothing listens on: every call is refused, as with no route to slack.com.
    const closed = await FakeSlack.start({});
    const url = closed.apiUrl;
    await closed.close();
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_APP_TOKEN: 'xapp-1-abc', SLACK_API_URL: url, PORT: '0', HOST: '127.0.0.1' });
    const core = createCore(config, createLogger('silent'));
    adapter = createSlackAdapter(config, { context: core.context, observe: core.observe, logger: core.logger });
    const started = performance.now();
    await expect(adapter.start()).rejects.toThrow(/^Could not verify SLACK_BOT_TOKEN \(auth\.test: /);
    // Three tries about a second apart, where the defaults kept trying for ~30 minutes.
    expect(performance.now() - started).toBeLessThan(8_000);
  }, 20_000);
});

describe('tokens Slack rejects', () => {
  it('constructing the adapter calls nothing; a rejected bot token fails start() naming SLACK_BOT_TOKEN', async () => {
    fake = await FakeSlack.start({ botToken: 'xoxb-the-real-one' });
    const made = adapterFor(slackEnv(fake, { SLACK_BOT_TOKEN: 'xoxb-revoked' }));
    adapter = made.adapter;
    expect(fake.requests).toEqual([]);
    expect(adapter.health()).toMatchObject({ ready: false });

    await expect(adapter.start()).rejects.toThrow('Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth)');
    expect(adapter.health()).toEqual({
      ready: false,
      reason: 'Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth)',
    });
    // The process is still here, and nothing rejected unhandled (checked after each test).
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.calls('auth.test')).toHaveLength(1);
  });

  it('the token is never written to the log or the error', async () => {
    fake = await FakeSlack.start({ botToken: 'xoxb-the-real-one' });
    const made = adapterFor(slackEnv(fake, { SLACK_BOT_TOKEN: 'xoxb-revoked-secret' }));
    adapter = made.adapter;
    const error = await adapter.start().catch((e: unknown) => e as Error);
    expect(String(error)).not.toContain('xoxb-revoked-secret');
    expect(JSON.stringify(made.logs.lines)).not.toContain('xoxb-revoked-secret');
  });

  it('Slack unreachable (HTTP 500 on auth.test) says so rather than blaming the token', async () => {
    fake = await FakeSlack.start();
    fake.script('auth.test', { status: 500 });
    adapter = adapterFor(slackEnv(fake)).adapter;
    await expect(adapter.start()).rejects.toThrow('Could not verify SLACK_BOT_TOKEN (auth.test: HTTP 500)');
  });

  it('Socket Mode: a rejected app token fails start() naming SLACK_APP_TOKEN', async () => {
    fake = await FakeSlack.start({ appToken: 'xapp-the-real-one' });
    adapter = adapterFor(slackEnv(fake, { SLACK_APP_TOKEN: 'xapp-revoked' })).adapter;
    await expect(adapter.start()).rejects.toThrow(
      'Slack rejected SLACK_APP_TOKEN (apps.connections.open: invalid_auth)',
    );
    expect(fake.connections).toBe(0);
  });
});
