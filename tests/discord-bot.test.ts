import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { shareOption } from '../src/core/commands/brief-command.js';
import { type CommandModule, nameOn } from '../src/core/commands/types.js';
import { errorReply, type Reply, textReply } from '../src/core/reply.js';
import {
  type DiscordBot,
  failOnUnhandledRejections,
  startDiscordBot,
  TOKEN,
  APP_ID,
} from './fakes/discord-harness.js';
import { FakeDiscord, type RecordedRequest } from './fakes/fake-discord.js';
import {
  CHANNEL_ID,
  DEFAULT_USER,
  type FakeOption,
  type InteractionSpec,
  PERMISSIONS,
} from './fakes/fake-discord-payloads.js';

/**
 * The real discord.js Client against the local fake: each test injects an interaction over the
 * gateway and asserts what reached the fake's REST API, the way Discord would have received it.
 */

interface Embed {
  title?: string;
  description?: string;
  footer?: { text: string };
}
interface CallbackBody {
  type: number;
  data: {
    embeds?: Embed[];
    flags?: number;
    allowed_mentions?: unknown;
    choices?: { name: string; value: string }[];
  };
}

const EPHEMERAL = 64;

// Test-only commands, added to the real list through the injectable context.
const testCommand = (
  name: string,
  handle: CommandModule['handle'],
  extra: Partial<CommandModule['definition']> = {},
) =>
  ({
    definition: { name, description: `test: ${name}`, options: [], help: '', ...extra },
    handle,
  }) as CommandModule;
const explode = testCommand('explode', () => {
  throw new Error('kaboom');
});
const slow = testCommand(
  'slow',
  async (request) => {
    await sleep(1800);
    return textReply('Slow answer', 'worth the wait', { ephemeral: request.options.share !== true });
  },
  { options: [shareOption] },
);
// Like a slow /digest subscribe: its answer is for the channel, with no share option to say so.
const slowPublic = testCommand('slowpublic', async () => {
  await sleep(1800);
  return textReply('Subscribed', 'for the channel', { ephemeral: false });
});
// A shared answer that ends in an error: the error is for the one who asked.
const slowFail = testCommand(
  'slowfail',
  async () => {
    await sleep(1800);
    return errorReply('That did not work.');
  },
  { options: [shareOption] },
);
// A Reply missing its fields makes the renderer throw: the adapter's own error path, not dispatch's.
const broken = testCommand('broken', () => ({}) as Reply);
// Echoes the request the adapter built, so the mapping from the interaction is visible on the wire.
const whoami = testCommand('whoami', (request) => textReply('whoami', JSON.stringify(request)), {
  options: [{ name: 'word', description: 'w', type: 'string' }, shareOption],
});
const managers = testCommand('managers', () => textReply('Managers', 'welcome'), { managersOnly: true });

let fake: FakeDiscord;
let bot: DiscordBot;

failOnUnhandledRejections();

beforeAll(async () => {
  fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
  bot = await startDiscordBot(fake, { extraCommands: [explode, slow, slowPublic, slowFail, broken, managers, whoami] });
});

afterAll(async () => {
  await bot?.running.stop();
  await fake?.close();
});

async function ask(
  spec: InteractionSpec,
): Promise<{ id: string; token: string; body: CallbackBody; at: number }> {
  const sent = Date.now();
  const { id, token } = fake.dispatchInteraction(spec);
  const request = await fake.callbackFor(id);
  expect(request.status, JSON.stringify(request.body)).toBeLessThan(300);
  return { id, token, body: request.body as CallbackBody, at: request.at - sent };
}

/** Markdown escapes removed, to compare with the brief's plain text. */
const plainText = (s: string) => s.replace(/\\([^\w\s])/g, '$1');
const linkTargets = (s: string) => [...s.matchAll(/\]\((https:\/\/[^)\s]+)\)/g)].map((m) => m[1]!);
const asLinked = (url: string) => url.replace(/[()\s<>]/g, encodeURIComponent);
const description = (body: CallbackBody) =>
  (body.data.embeds ?? []).map((e) => e.description ?? '').join('\n');

/** What a user must fill in: the first choice, else the brief's topic (the autocompleted option). */
function requiredOptions(command: CommandModule, topic = 'x'): FakeOption[] {
  return command.definition.options
    .filter((o) => o.required)
    .map((o) =>
      o.type === 'boolean'
        ? { name: o.name, type: 5 as const, value: false }
        : { name: o.name, type: 3 as const, value: o.choices?.[0]?.value ?? topic },
    );
}

describe('every command in commands/index.ts answers on Discord', () => {
  for (const command of commands) {
    const name = nameOn(command.definition, 'discord');
    it(`/${name} replies with its embed, privately, mentioning no one`, async () => {
      const brief =
        bot.core.briefs.get(command.definition.name) ??
        (name === 'brief' ? bot.core.briefs.list()[0] : undefined);
      const { body } = await ask({ name, options: requiredOptions(command, brief?.topic) });

      expect(body.type).toBe(4);
      expect(body.data.allowed_mentions).toEqual({ parse: [] });
      expect(body.data.flags).toBe(EPHEMERAL);
      const embeds = body.data.embeds ?? [];
      expect(embeds.length).toBeGreaterThan(0);
      if (brief) {
        expect(embeds[0]!.title).toBe(brief.title);
        expect(plainText(embeds[0]!.description ?? '')).toContain(brief.status);
        const links = linkTargets(description(body));
        expect(links.length).toBeGreaterThan(0);
        const known = brief.sources.map((s) => asLinked(s.url));
        for (const link of links) expect(known).toContain(link);
      } else {
        expect(embeds[0]!.title).toBeTruthy();
      }
    });
  }

  it('share:true posts in the channel (no ephemeral flag)', async () => {
    const topic = bot.core.briefs.list()[0]!.topic;
    const { body } = await ask({ name: topic, options: [{ name: 'share', type: 5, value: true }] });
    expect((body.data.flags ?? 0) & EPHEMERAL).toBe(0);
    expect(body.data.allowed_mentions).toEqual({ parse: [] });
  });

  it('section:sources lists every source of the brief as a link', async () => {
    const brief = bot.core.briefs.list()[0]!;
    const { body } = await ask({
      name: brief.topic,
      options: [{ name: 'section', type: 3, value: 'sources' }],
    });
    const links = linkTargets(description(body));
    for (const source of brief.sources) expect(links).toContain(asLinked(source.url));
    expect(plainText(description(body))).not.toContain('Key facts');
  });

  it('answers a DM too (no member, no guild)', async () => {
    const { body } = await ask({ name: 'help', where: 'dm' });
    expect(body.type).toBe(4);
    expect(body.data.embeds?.[0]?.title).toBe('briefbot');
  });
});

describe('the request the core sees', () => {
  it('carries options, user, channel, locale and the Manage Channels bit', async () => {
    const { body } = await ask({
      name: 'whoami',
      locale: 'es-ES',
      permissions: PERMISSIONS.manageChannels,
      options: [
        { name: 'word', type: 3, value: 'hola' },
        { name: 'share', type: 5, value: false },
      ],
    });
    const request = JSON.parse(plainText(description(body)));
    expect(request).toMatchObject({
      command: 'whoami',
      options: { word: 'hola', share: false },
      user: { id: DEFAULT_USER.id, name: DEFAULT_USER.username },
      channelId: CHANNEL_ID,
      platform: 'discord',
      locale: 'es-ES',
      canManageChannel: true,
    });
  });
});

describe('autocomplete', () => {
  it('/brief topic suggests the loaded briefs', async () => {
    const { body } = await ask({
      name: 'brief',
      type: 4,
      options: [{ name: 'topic', type: 3, value: '', focused: true }],
    });
    expect(body.type).toBe(8);
    expect(body.data.choices?.map((c) => c.value)).toEqual(bot.core.briefs.list().map((b) => b.topic));
  });

  it('narrows the suggestions to what was typed', async () => {
    const topic = bot.core.briefs.list()[0]!.topic;
    const { body } = await ask({
      name: 'brief',
      type: 4,
      options: [{ name: 'topic', type: 3, value: topic, focused: true }],
    });
    expect(body.data.choices?.map((c) => c.value)).toContain(topic);
    expect(body.data.choices!.length).toBeLessThanOrEqual(bot.core.briefs.list().length);
  });

  it('cuts a choice at 100 characters without splitting an emoji (a lone half is not text)', async () => {
    const { body } = await ask({
      name: 'digest',
      type: 4,
      options: [
        { name: 'action', type: 3, value: 'subscribe' },
        { name: 'topics', type: 3, value: `a${'😀'.repeat(60)},n`, focused: true },
      ],
    });
    expect(body.data.choices?.length).toBeGreaterThan(0);
    for (const c of body.data.choices ?? []) {
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(`${c.name}${c.value}`).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });
});

describe('failures become an ephemeral apology, never silence', () => {
  it('an unknown command name', async () => {
    const { body } = await ask({ name: 'no-such-command' });
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(EPHEMERAL);
    expect(plainText(description(body))).toContain('/no-such-command');
  });

  it('a throwing handler: the error id shown is the one logged', async () => {
    const { body } = await ask({ name: 'explode' });
    expect(body.data.flags).toBe(EPHEMERAL);
    const errorId = /error ([0-9a-f]{8})/.exec(description(body))?.[1];
    expect(errorId).toBeDefined();
    const logged = bot.logs.matching(errorId!);
    expect(logged.some((l) => l.level === 50 && JSON.stringify(l).includes('kaboom'))).toBe(true);
  });

  it('a reply that cannot be rendered: apology with an error id, logged by the adapter', async () => {
    const { body } = await ask({ name: 'broken' });
    expect(body.data.flags).toBe(EPHEMERAL);
    const errorId = /error ([0-9a-f]{8})/.exec(description(body))?.[1];
    expect(errorId).toBeDefined();
    expect(bot.logs.matching(errorId!).some((l) => l.msg === 'discord: could not answer the command')).toBe(
      true,
    );
  });

  it('Discord refusing the reply (400 Invalid Form Body): the apology goes out instead', async () => {
    fake.script('POST', /\/interactions\/\d+\/[^/]+\/callback$/, {
      status: 400,
      body: { code: 50035, message: 'Invalid Form Body', errors: {} },
    });
    const { id } = fake.dispatchInteraction({ name: 'help' });
    const second = await fake.waitForRequest((r) => r.path.includes(`/${id}/`) && r.status === 204);
    const attempts = fake.requests.filter((r) => r.path.includes(`/${id}/`));
    expect(attempts.map((r) => r.status)).toEqual([400, 204]);
    const body = second.body as CallbackBody;
    expect(body.data.flags).toBe(EPHEMERAL);
    const errorId = /error ([0-9a-f]{8})/.exec(description(body))?.[1];
    expect(bot.logs.matching(errorId!).some((l) => JSON.stringify(l).includes('50035'))).toBe(true);
  });

  it('a 500 from Discord on the callback is retried by the REST client', async () => {
    fake.script('POST', /\/interactions\/\d+\/[^/]+\/callback$/, {
      status: 500,
      body: { message: 'oops', code: 0 },
    });
    const { id } = fake.dispatchInteraction({ name: 'help' });
    await fake.waitForRequest((r) => r.path.includes(`/${id}/`) && r.status === 204);
    expect(fake.requests.filter((r) => r.path.includes(`/${id}/`)).map((r) => r.status)).toEqual([500, 204]);
  });
});

describe('rate limits', () => {
  it('a 429 on the callback is waited out (Retry-After) and the reply still lands', async () => {
    fake.script('POST', /\/interactions\/\d+\/[^/]+\/callback$/, FakeDiscord.rateLimited(0.3));
    const sent = Date.now();
    const { id } = fake.dispatchInteraction({ name: 'help' });
    const ok = await fake.waitForRequest((r) => r.path.includes(`/${id}/`) && r.status === 204);
    expect(fake.requests.filter((r) => r.path.includes(`/${id}/`)).map((r) => r.status)).toEqual([429, 204]);
    expect(ok.at - sent).toBeGreaterThanOrEqual(300);
  });
});

describe('manager-only commands', () => {
  it('runs for a member with Manage Channels', async () => {
    const { body } = await ask({ name: 'managers', permissions: PERMISSIONS.manageChannels });
    expect(body.data.embeds?.[0]?.title).toBe('Managers');
  });

  it('is refused, privately, without it and in DMs', async () => {
    for (const spec of [{ permissions: PERMISSIONS.none }, { where: 'dm' as const }]) {
      const { body } = await ask({ name: 'managers', ...spec });
      expect(body.data.flags).toBe(EPHEMERAL);
      expect(plainText(description(body))).toContain('Only channel managers');
    }
  });
});

describe('slow answers', () => {
  const deferredThenEdited = async (spec: InteractionSpec) => {
    const sent = Date.now();
    const { id, token } = fake.dispatchInteraction(spec);
    const deferral = await fake.callbackFor(id, 4000);
    const edit = await fake.waitForRequest((r) => r.method === 'PATCH' && r.path.includes(token), 4000);
    return { deferral, edit, deferredAfter: deferral.at - sent, editedAfter: edit.at - sent };
  };

  it('are deferred (type 5, ephemeral) before 3 s, then the original is edited', async () => {
    const { deferral, edit, deferredAfter, editedAfter } = await deferredThenEdited({ name: 'slow' });
    expect(deferral.status).toBe(204);
    expect(deferral.body).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    expect(deferredAfter).toBeGreaterThanOrEqual(1400);
    expect(deferredAfter).toBeLessThan(2500);
    expect(edit.path).toMatch(/\/webhooks\/\d+\/[^/]+\/messages\/(%40|@)original$/);
    expect(edit.status).toBe(200);
    expect((edit.body as CallbackBody['data']).embeds?.[0]?.title).toBe('Slow answer');
    expect((edit.body as CallbackBody['data']).allowed_mentions).toEqual({ parse: [] });
    expect(editedAfter).toBeGreaterThanOrEqual(1800);
  });

  it('with share:true the deferral is public', async () => {
    const { deferral } = await deferredThenEdited({
      name: 'slow',
      options: [{ name: 'share', type: 5, value: true }],
    });
    expect(deferral.body).toEqual({ type: 5, data: { flags: 0 } });
  });

  it('a slow answer meant for the channel is posted publicly, though the deferral was private (it stayed private)', async () => {
    const { id, token } = fake.dispatchInteraction({ name: 'slowpublic' });
    expect((await fake.callbackFor(id, 4000)).body).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    const followUp = await fake.waitForRequest((r) => r.route === 'follow-up' && r.path.includes(token), 4000);
    expect(followUp.status).toBe(200);
    expect(followUp.body).toMatchObject({ embeds: [{ title: 'Subscribed' }] });
    expect((followUp.body as { flags?: number }).flags ?? 0).toBe(0);
    const note = await fake.waitForRequest((r) => r.method === 'PATCH' && r.path.includes(token), 4000);
    expect(note.body).toMatchObject({ content: 'Posted in the channel.', embeds: [] });
  });

  it('a slow share:true that ends in an error shows the error privately, and the public placeholder goes', async () => {
    const { id, token } = fake.dispatchInteraction({ name: 'slowfail', options: [{ name: 'share', type: 5, value: true }] });
    expect((await fake.callbackFor(id, 4000)).body).toEqual({ type: 5, data: { flags: 0 } });
    const followUp = await fake.waitForRequest((r) => r.route === 'follow-up' && r.path.includes(token), 4000);
    expect(followUp.body).toMatchObject({ flags: EPHEMERAL, embeds: [{ title: 'Sorry' }] });
    expect((await fake.waitForRequest((r) => r.method === 'DELETE' && r.path.includes(token), 4000)).status).toBe(204);
  });
});

describe('the wire', () => {
  it('interaction routes carry no Authorization header, and no request went unmatched', () => {
    const interactionCalls = fake.requests.filter((r: RecordedRequest) =>
      /\/(interactions|webhooks)\//.test(r.path),
    );
    expect(interactionCalls.length).toBeGreaterThan(0);
    for (const r of interactionCalls) expect(r.headers.authorization).toBeUndefined();
    expect(fake.unmatched).toEqual([]);
  });
});

describe('a command that arrives while the bot drains at shutdown', () => {
  it('is told the bot is restarting (Discord said "did not respond"), while the one in flight finishes', async () => {
    const fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    const slowish: CommandModule = {
      definition: { name: 'slowish', description: 'slow', options: [], help: '' },
      handle: async () => {
        await sleep(1500);
        return textReply('Slow', 'done');
      },
    };
    const draining = await startDiscordBot(fake, { extraCommands: [slowish], env: { SHUTDOWN_GRACE_MS: '6000' } });
    try {
      const inFlight = fake.dispatchInteraction({ name: 'slowish' });
      await sleep(200);
      const stopping = draining.running.stop();
      await sleep(100);
      const late = fake.dispatchInteraction({ name: nameOn(commands.find((c) => c.definition.name === 'help')!.definition, 'discord') });
      const answer = (await fake.callbackFor(late.id, 4000)).body as CallbackBody;
      expect(answer.data.embeds?.[0]).toMatchObject({ title: 'Restarting', description: 'briefbot is restarting. Please try again in a minute.' });
      expect(answer.data.flags).toBe(64);
      await stopping;
      // The command already running was answered before the client closed.
      expect(fake.requests.some((r) => r.path.includes(`/${inFlight.id}/`) || r.path.includes(inFlight.token))).toBe(true);
    } finally {
      await fake.close();
    }
  }, 30_000);
});
