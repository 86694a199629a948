import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createCore } from '../src/app.js';
import { createDiscordAdapter } from '../src/platforms/discord/adapter.js';
import {
  APP_ID,
  type DiscordBot,
  discordEnv,
  eventually,
  failOnUnhandledRejections,
  LogSink,
  OTHER_TOKEN,
  startDiscordBot,
  TOKEN,
} from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';

failOnUnhandledRejections();

let fake: FakeDiscord | undefined;
let bot: DiscordBot | undefined;
afterEach(async () => {
  await bot?.running.stop();
  await fake?.close();
  bot = undefined;
  fake = undefined;
});

const readyz = async (b: DiscordBot) => {
  const res = await fetch(b.url('/readyz'));
  return { status: res.status, body: (await res.json()) as { reasons: string[] } };
};

describe('readiness follows the gateway', () => {
  it('/readyz is 503 naming discord while the gateway is down, and 200 again once it resumes', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    bot = await startDiscordBot(fake);
    expect((await readyz(bot)).status).toBe(200);

    const sessions = fake.gatewayFrames.filter((f) => f.op === 2 || f.op === 6).length;
    await fake.dropGateway({ refuseMs: 1200 });
    const down = await eventually(async () => {
      const r = await readyz(bot!);
      expect(r.status).toBe(503);
      return r;
    });
    expect(down.body.reasons.join(' ')).toMatch(/discord: gateway disconnected/);

    await fake.waitForSession(sessions, 5000);
    await eventually(async () => expect((await readyz(bot!)).status).toBe(200));
    // Close code 4000 is recoverable: discord.js resumed the session instead of identifying anew.
    expect(fake.gatewayFrames.filter((f) => f.op === 6).length).toBe(1);

    // And the resumed gateway delivers interactions again.
    const { id } = fake.dispatchInteraction({ name: 'help' });
    expect((await fake.callbackFor(id)).status).toBe(204);
  });

  // Slow by nature (~5–6.5 s): @discordjs/ws spaces IDENTIFYs at least 5 s apart (plus up to 1.5 s
  // of jitter, SimpleIdentifyThrottler), so a session that cannot resume costs that much downtime.
  it('recovers with a fresh IDENTIFY after a normal close (1000)', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    bot = await startDiscordBot(fake);
    const sessions = fake.gatewayFrames.filter((f) => f.op === 2 || f.op === 6).length;
    await fake.dropGateway({ code: 1000 });
    await eventually(async () => expect((await readyz(bot!)).status).toBe(503));
    await fake.waitForSession(sessions, 9000);
    await eventually(async () => expect((await readyz(bot!)).status).toBe(200));
    expect(fake.gatewayFrames.filter((f) => f.op === 2).length).toBe(2);
    expect(fake.gatewayFrames.filter((f) => f.op === 6).length).toBe(0);
  }, 12_000);

  it('/metrics counts the commands answered on Discord', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    bot = await startDiscordBot(fake);
    for (const name of ['help', 'help', 'no-such-command']) {
      const { id } = fake.dispatchInteraction({ name });
      await fake.callbackFor(id);
    }
    const metrics = await (await fetch(bot.url('/metrics'))).text();
    expect(metrics).toContain('briefbot_commands_total{platform="discord",command="help",outcome="ok"} 2');
    expect(metrics).toContain(
      'briefbot_commands_total{platform="discord",command="(unknown)",outcome="unknown"} 1',
    );
  });

  it('stop() waits for an answer in flight; an interaction that arrives meanwhile is told the bot is restarting, not run', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    const slow = {
      definition: { name: 'slow', description: 'slow', options: [], help: '' },
      handle: async () => {
        await new Promise((r) => setTimeout(r, 400));
        return { title: 'Done', sections: [], ephemeral: true, tone: 'info' as const };
      },
    };
    bot = await startDiscordBot(fake, { extraCommands: [slow] });
    const first = fake.dispatchInteraction({ name: 'slow' });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = bot.running.stop();
    const ignored = fake.connected ? fake.dispatchInteraction({ name: 'help' }) : undefined;
    await stopping;
    bot = undefined;
    expect((await fake.callbackFor(first.id, 100)).status).toBe(204);
    // Before session 14 it was ignored, and the user saw "The application did not respond".
    if (ignored) {
      const told = (await fake.callbackFor(ignored.id, 100)).body as { data: { embeds?: { title?: string }[] } };
      expect(told.data.embeds?.[0]?.title).toBe('Restarting');
    }
    expect(fake.connected).toBe(false);
  });
});

describe('shutdown is bounded', () => {
  it('stop() gives up on an answer that outlasts drainMs, says so, and closes the gateway', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    const stuck = {
      definition: { name: 'stuck', description: 'stuck', options: [], help: '' },
      handle: () => new Promise<never>(() => {}),
    };
    bot = await startDiscordBot(fake, { extraCommands: [stuck], adapter: { drainMs: 200 } });
    fake.dispatchInteraction({ name: 'stuck' });
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await bot.running.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(bot.logs.matching('stopped with answers still in flight')).toHaveLength(1);
    expect(fake.connected).toBe(false);
    bot = undefined;
  });
});

describe('interactions Discord no longer accepts', () => {
  it('an expired interaction (404 Unknown interaction, 10062) is logged with an error id; nothing crashes', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID, interactionDeadlineMs: -1 });
    bot = await startDiscordBot(fake);
    const { id } = fake.dispatchInteraction({ name: 'help' });
    await eventually(() => expect(fake!.requests.filter((r) => r.path.includes(`/${id}/`)).length).toBe(2));
    expect(fake.requests.filter((r) => r.path.includes(`/${id}/`)).map((r) => r.status)).toEqual([404, 404]);
    const failed = await eventually(() => {
      const line = bot!.logs.lines.find((l) => l.msg === 'discord: could not answer the command');
      expect(line).toBeDefined();
      return line!;
    });
    expect(JSON.stringify(failed)).toContain('10062');
    await eventually(() =>
      expect(
        bot!.logs
          .matching(String(failed.errorId))
          .some((l) => l.msg === 'discord: could not deliver the apology either'),
      ).toBe(true),
    );
  });
});

describe('start-up fails fast and names DISCORD_TOKEN', () => {
  it('a malformed token is refused by loadConfig', () => {
    expect(() => loadConfig({ DISCORD_TOKEN: 'not-a-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ DISCORD_TOKEN: 'not-a-token' })).toThrow(/DISCORD_TOKEN/);
  });

  const startWith = async (f: FakeDiscord, token: string) => {
    const config = loadConfig(discordEnv(f, { DISCORD_TOKEN: token }));
    const logs = new LogSink();
    const core = createCore(config, createLogger('debug', [token], logs));
    const adapter = createDiscordAdapter(config, {
      context: core.context,
      observe: core.observe,
      logger: core.logger,
    });
    const started = performance.now();
    const error = await adapter.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, ms: performance.now() - started, adapter, logs };
  };

  it('a well-formed token Discord rejects (401 on /gateway/bot)', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    const { error, ms, adapter } = await startWith(fake, OTHER_TOKEN);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/DISCORD_TOKEN/);
    expect(String(error)).not.toContain(OTHER_TOKEN);
    expect(ms).toBeLessThan(2000);
    expect(adapter.health().ready).toBe(false);
    expect(fake.connected).toBe(false);
  });

  it('a token the gateway rejects (close 4004 on IDENTIFY)', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID, restAuth: false });
    const { error, ms } = await startWith(fake, OTHER_TOKEN);
    expect(String(error)).toMatch(/DISCORD_TOKEN/);
    expect(ms).toBeLessThan(2000);
    expect(fake.gatewayFrames.some((f) => f.op === 2)).toBe(true);
    await eventually(() => expect(fake!.connected).toBe(false));
  });
});
