import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameOn } from '../src/core/commands/types.js';
import type { DigestService } from '../src/core/digests/service.js';
import type { Subscription } from '../src/core/digests/subscription.js';
import { type DiscordBot, startDiscordBot, APP_ID, TOKEN } from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { type FakeOption, type InteractionSpec, PERMISSIONS } from './fakes/fake-discord-payloads.js';
import { FakeSlack } from './fakes/fake-slack.js';
import { type SlackBot, startSlackBot } from './fakes/slack-harness.js';
import { commands } from '../commands/index.js';

/**
 * /digest subscribe, unsubscribe and now change what a channel receives: only channel managers may
 * run them (Discord: Manage Channels in that channel; Slack: SLACK_ADMIN_USERS or workspace admins).
 * Both real adapters, against the fakes; a recording DigestService shows whether anything ran.
 */

const GUARDED = ['subscribe', 'unsubscribe', 'now'] as const;
const digestCommand = commands.find((c) => c.definition.name === 'digest')!;

function recordingDigests(): DigestService & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async subscribe(spec) {
      calls.push(`subscribe ${spec.platform}:${spec.channelId}`);
      return { ...spec, id: 1, createdAt: new Date(), coveredUntil: undefined } satisfies Subscription;
    },
    async unsubscribe(platform, channelId) {
      calls.push(`unsubscribe ${platform}:${channelId}`);
      return true;
    },
    async now(platform, channelId) {
      calls.push(`now ${platform}:${channelId}`);
      return undefined;
    },
    async subscription() {
      return undefined;
    },
    async list() {
      return { dead: [] };
    },
    async preview() {
      return undefined;
    },
    topics: () => ['nato-status', 'china-ties'],
  };
}

describe('Discord: /digest subscribe|unsubscribe|now need Manage Channels', () => {
  let fake: FakeDiscord;
  let bot: DiscordBot;
  const digests = recordingDigests();
  const name = nameOn(digestCommand.definition, 'discord');

  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    bot = await startDiscordBot(fake, { env: { LOG_LEVEL: 'warn' } });
    bot.core.context.digests = digests;
  });
  afterAll(async () => {
    await bot?.running.stop();
    await fake?.close();
  });

  async function answer(action: string, spec: Partial<InteractionSpec>): Promise<string> {
    const options: FakeOption[] = [{ name: 'action', type: 3, value: action }];
    const { id } = fake.dispatchInteraction({ name, options, ...spec });
    const request = await fake.callbackFor(id);
    const body = request.body as { data: { embeds?: { description?: string }[] } };
    return (body.data.embeds ?? []).map((e) => e.description ?? '').join('\n');
  }

  it.each(GUARDED)('/digest %s by a member without Manage Channels is refused and changes nothing', async (action) => {
    const text = await answer(action, { permissions: PERMISSIONS.none });
    expect(text).toContain('Only channel managers');
    expect(digests.calls).toEqual([]);
  });

  it.each(GUARDED)('/digest %s in a DM is refused', async (action) => {
    expect(await answer(action, { where: 'dm' })).toContain('Only channel managers');
    expect(digests.calls).toEqual([]);
  });

  it('/digest preview is open to anyone; in a channel without a subscription it says so', async () => {
    expect(await answer('preview', { permissions: PERMISSIONS.none })).toBe('No digest subscription in this channel: /digest subscribe first.');
  });

  it('a member with Manage Channels may (so the refusals above are the check, not a broken command)', async () => {
    for (const action of GUARDED) await answer(action, { permissions: PERMISSIONS.manageChannels });
    expect(digests.calls.map((c) => c.split(' ')[0])).toEqual([...GUARDED]);
  });

  it('a subscription in a channel the bot cannot post in is refused at once, naming what it lacks (its first digest would go undelivered)', async () => {
    const before = digests.calls.length;
    const sendOnly = String((1n << 10n) | (1n << 11n));
    expect(await answer('subscribe', { permissions: PERMISSIONS.manageChannels, appPermissions: sendOnly })).toBe(
      "briefbot cannot post digests here: the bot lacks Embed Links in this channel. Grant it in the channel's permissions, then try again.",
    );
    expect(await answer('now', { permissions: PERMISSIONS.manageChannels, appPermissions: '0' })).toBe(
      "briefbot cannot post digests here: the bot lacks View Channel, Send Messages, Embed Links in this channel. Grant it in the channel's permissions, then try again.",
    );
    expect(digests.calls.length).toBe(before);
  });
});

describe('Slack: /digest subscribe|unsubscribe|now need SLACK_ADMIN_USERS or a workspace admin', () => {
  let fake: FakeSlack;
  let bot: SlackBot;
  const digests = recordingDigests();
  const command = `/${nameOn(digestCommand.definition, 'slack')}`;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    bot = await startSlackBot(fake, { env: { SLACK_ADMIN_USERS: 'U0LISTED', LOG_LEVEL: 'warn' } });
    bot.core.context.digests = digests;
    fake.admins.add('U0WSADMIN');
  });
  afterAll(async () => {
    await bot?.running.stop();
    await fake?.close();
  });

  async function answer(action: string, user: string): Promise<string> {
    const { res } = await bot.command({ command, text: action, user_id: user });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { blocks: { text?: { text: string } }[] };
    return body.blocks.map((b) => b.text?.text ?? '').join('\n');
  }

  it.each(GUARDED)('/digest %s by a plain member is refused and changes nothing', async (action) => {
    expect(await answer(action, 'U0PLAIN')).toContain('Only channel managers');
    expect(digests.calls).toEqual([]);
  });

  it('a listed manager and a workspace admin may', async () => {
    for (const action of GUARDED) await answer(action, 'U0LISTED');
    for (const action of GUARDED) await answer(action, 'U0WSADMIN');
    expect(digests.calls.map((c) => c.split(' ')[0])).toEqual([...GUARDED, ...GUARDED]);
  });
});
