/**
 * Wire objects the fake Discord sends, in the shapes discord.js 14.28.1 accepted
 * (research: /work/shared/research/platforms.md §1.3, §1.5, §1.6).
 */

/** Snowflake-shaped ids: @discordjs/rest only buckets routes whose ids have 17–19 digits. */
let counter = 0;
export function snowflake(): string {
  counter += 1;
  return (700_000_000_000_000_000n + BigInt(Date.now() % 1_000_000) * 1000n + BigInt(counter)).toString();
}

export const BOT_USER = {
  id: '111111111111111111',
  username: 'briefbot',
  discriminator: '0',
  global_name: 'briefbot',
  avatar: null,
  bot: true,
};

export const DEFAULT_USER = {
  id: '444444444444444444',
  username: 'alice',
  discriminator: '0',
  global_name: null,
  avatar: null,
};

export const GUILD_ID = '222222222222222222';
export const CHANNEL_ID = '333333333333333333';

/** Permission bits as Discord sends them (strings). Manage Channels is 1 << 4. */
export const PERMISSIONS = { none: '0', manageChannels: String(1n << 4n) } as const;
/** View Channel, Send Messages, Embed Links. */
export const APP_CAN_POST = String((1n << 10n) | (1n << 11n) | (1n << 14n));

export type FakeOption =
  | { name: string; type: 3; value: string; focused?: boolean }
  | { name: string; type: 5; value: boolean };

export interface InteractionSpec {
  /** The command name as Discord knows it. */
  name: string;
  options?: FakeOption[];
  /** 2 = application command, 4 = autocomplete. */
  type?: 2 | 4;
  /** 'guild' (default) sends `member` with permissions; 'dm' sends `user` only. */
  where?: 'guild' | 'dm';
  permissions?: string;
  /** The bot's own permissions in the channel (default APP_CAN_POST). */
  appPermissions?: string;
  locale?: string;
  user?: typeof DEFAULT_USER;
}

/**
 * INTERACTION_CREATE data. `entitlements` and `authorizing_integration_owners` are required by
 * discord.js: without them its constructor throws inside the gateway handler (uncaught).
 */
export function interactionPayload(spec: InteractionSpec, applicationId: string) {
  const id = snowflake();
  const token = `fake-token-${id}`;
  const user = spec.user ?? DEFAULT_USER;
  const where = spec.where ?? 'guild';
  const base = {
    id,
    application_id: applicationId,
    type: spec.type ?? 2,
    token,
    version: 1,
    data: { id: '555555555555555555', name: spec.name, type: 1, options: spec.options ?? [] },
    locale: spec.locale ?? 'en-US',
    entitlements: [],
    attachment_size_limit: 10_485_760,
    // The bot's own permissions in the channel: by default what it needs to post digests.
    app_permissions: spec.appPermissions ?? APP_CAN_POST,
  };
  if (where === 'dm') {
    return {
      ...base,
      user,
      channel_id: '666666666666666666',
      channel: { id: '666666666666666666', type: 1 },
      context: 1,
      authorizing_integration_owners: { '0': GUILD_ID },
    };
  }
  return {
    ...base,
    guild_id: GUILD_ID,
    guild_locale: 'en-US',
    channel_id: CHANNEL_ID,
    channel: { id: CHANNEL_ID, type: 0 },
    member: {
      user,
      roles: [],
      joined_at: '2025-01-01T00:00:00.000Z',
      deaf: false,
      mute: false,
      flags: 0,
      permissions: spec.permissions ?? PERMISSIONS.none,
    },
    context: 0,
    authorizing_integration_owners: { '0': GUILD_ID },
  };
}

/** A message object discord.js parses without complaint. */
export function messageObject(channelId: string, body: Record<string, unknown>, flags = 0) {
  return {
    id: snowflake(),
    channel_id: channelId,
    author: BOT_USER,
    content: typeof body.content === 'string' ? body.content : '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null as string | null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    pinned: false,
    type: 0,
    flags,
    components: [],
  };
}

export function readyPayload(opts: {
  applicationId: string;
  sessionId: string;
  resumeUrl: string;
  guilds: string[];
}) {
  return {
    v: 10,
    user: BOT_USER,
    guilds: opts.guilds.map((id) => ({ id, unavailable: true })),
    session_id: opts.sessionId,
    resume_gateway_url: opts.resumeUrl,
    shard: [0, 1],
    // Without `application` discord.js's READY handler throws a TypeError and the process dies.
    application: { id: opts.applicationId, flags: 0 },
  };
}

export function guildCreatePayload(id: string) {
  return {
    id,
    name: 'Fake guild',
    icon: null,
    owner_id: DEFAULT_USER.id,
    roles: [],
    emojis: [],
    features: [],
    member_count: 1,
    members: [],
    channels: [{ id: CHANNEL_ID, type: 0, name: 'general', position: 0, permission_overwrites: [] }],
    threads: [],
    presences: [],
    voice_states: [],
    stickers: [],
    unavailable: false,
    joined_at: '2025-01-01T00:00:00.000Z',
    large: false,
  };
}
