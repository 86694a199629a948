import { Client, DiscordAPIError, Events, GatewayIntentBits, REST, Routes } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_ID, failOnUnhandledRejections, TOKEN } from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { CHANNEL_ID } from './fakes/fake-discord-payloads.js';

/** The fake itself, checked against the real discord.js, so the bot tests can trust what it says. */

failOnUnhandledRejections();

let fake: FakeDiscord;
let client: Client | undefined;
beforeEach(async () => {
  fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
});
afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await fake.close();
});

const rest = () => new REST({ api: fake.apiUrl, retries: 0 }).setToken(TOKEN);
const apiError = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof DiscordAPIError ? { status: e.status, code: e.code } : e),
  );

describe('FakeDiscord', () => {
  it('brings a real Client to ClientReady over its gateway', async () => {
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    const started = performance.now();
    const ready = new Promise((resolve) => client!.once(Events.ClientReady, resolve));
    await client.login(TOKEN);
    await ready;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(client.user?.username).toBe('briefbot');
    expect(fake.gatewayFrames.find((f) => f.op === 2)?.d).toMatchObject({
      token: TOKEN,
      intents: 1,
      compress: false,
    });
  });

  it('enforces Discord message limits with 400 / 50035', async () => {
    const post = (body: unknown) => apiError(rest().post(Routes.channelMessages(CHANNEL_ID), { body }));
    expect(await post({ content: 'x'.repeat(2001) })).toEqual({ status: 400, code: 50035 });
    expect(await post({ embeds: [{ title: 't'.repeat(257) }] })).toEqual({ status: 400, code: 50035 });
    expect(await post({ embeds: [{ description: 'd'.repeat(4097) }] })).toEqual({ status: 400, code: 50035 });
    expect(await post({ embeds: Array.from({ length: 11 }, () => ({ title: 'x' })) })).toEqual({
      status: 400,
      code: 50035,
    });
    const big = Array.from({ length: 2 }, () => ({ description: 'd'.repeat(3500) }));
    expect(await post({ embeds: big })).toEqual({ status: 400, code: 50035 });
    expect(await post({ content: 'fine' })).toBeUndefined();
  });

  it('rejects a second acknowledgement (40060) and a late one (10062)', async () => {
    await fake.close();
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID, interactionDeadlineMs: 100 });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    const ready = new Promise((resolve) => client!.once(Events.ClientReady, resolve));
    await client.login(TOKEN);
    await ready;
    const callback = (i: { id: string; token: string }) =>
      apiError(
        rest().post(Routes.interactionCallback(i.id, i.token), {
          body: { type: 4, data: { content: 'hi' } },
          auth: false,
        }),
      );
    const first = fake.dispatchInteraction({ name: 'help' });
    expect(await callback(first)).toBeUndefined();
    expect(await callback(first)).toEqual({ status: 400, code: 40060 });
    const late = fake.dispatchInteraction({ name: 'help' });
    await new Promise((r) => setTimeout(r, 150));
    expect(await callback(late)).toEqual({ status: 404, code: 10062 });
  });

  it('records unmatched routes and answers them 404', async () => {
    expect(await apiError(rest().get('/no/such/route' as `/${string}`))).toEqual({ status: 404, code: 0 });
    expect(fake.unmatched.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v10/no/such/route']);
  });

  it('checks the bot token on authenticated routes', async () => {
    const wrong = new REST({ api: fake.apiUrl, retries: 0 }).setToken('wrong');
    expect(await apiError(wrong.get(Routes.gatewayBot()))).toMatchObject({ status: 401 });
  });
});
