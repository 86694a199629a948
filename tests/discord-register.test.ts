import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { loadConfig } from '../src/config.js';
import { type CommandModule, nameOn } from '../src/core/commands/types.js';
import { toDiscordCommand } from '../src/platforms/discord/commands-json.js';
import { registerCommands } from '../src/platforms/discord/register.js';
import {
  APP_ID,
  discordEnv,
  failOnUnhandledRejections,
  OTHER_TOKEN,
  TOKEN,
} from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { GUILD_ID } from './fakes/fake-discord-payloads.js';

failOnUnhandledRejections();

let fake: FakeDiscord;
beforeEach(async () => {
  fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
});
afterEach(async () => {
  await fake.close();
});

const run = async (
  env: Record<string, string> = {},
  options: Parameters<typeof registerCommands>[1] = {},
) => {
  const lines: string[] = [];
  const changes = await registerCommands(loadConfig(discordEnv(fake, env)), options, (l) => lines.push(l));
  return { lines, changes };
};

const names = commands.map((c) => nameOn(c.definition, 'discord'));

describe('registerCommands against the fake Discord', () => {
  it('PUTs every command globally and says each was added', async () => {
    const { lines } = await run();
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/api/v10/applications/${APP_ID}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(put.status).toBe(200);
    expect((put.body as { name: string }[]).map((c) => c.name)).toEqual(names);
    for (const name of names)
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`added\\s+/${name}$`)));
    expect(lines.join('\n')).toContain(`${names.length} added, 0 changed, 0 removed, 0 unchanged`);
    expect(fake.unmatched).toEqual([]);
  });

  it('a second run reports every command unchanged (Discord echoes extra fields; they are ignored)', async () => {
    await run();
    const { lines, changes } = await run();
    expect([...changes.values()].every((c) => c === 'unchanged')).toBe(true);
    expect(lines.join('\n')).toContain(`0 added, 0 changed, 0 removed, ${names.length} unchanged`);
    expect(lines.join('\n')).not.toContain('up to an hour');
  });

  it('reports changed and removed commands', async () => {
    const [first, ...rest] = commands;
    const edited: CommandModule = {
      ...first!,
      definition: { ...first!.definition, description: 'A new description' },
    };
    const old: CommandModule = {
      ...first!,
      definition: { ...first!.definition, name: 'retired', platformNames: {} },
    };
    await run({}, { commands: [...commands, old] });
    const { changes } = await run({}, { commands: [edited, ...rest] });
    expect(changes.get(names[0]!)).toBe('changed');
    expect(changes.get('retired')).toBe('removed');
    expect(changes.get(names[1]!)).toBe('unchanged');
  });

  it('registers in one guild with --guild', async () => {
    const { lines } = await run({}, { guildId: GUILD_ID });
    expect(fake.requests.find((r) => r.method === 'PUT')!.path).toBe(
      `/api/v10/applications/${APP_ID}/guilds/${GUILD_ID}/commands`,
    );
    expect(fake.commands.get(GUILD_ID)?.length).toBe(names.length);
    expect(lines[0]).toContain(`guild ${GUILD_ID}`);
  });

  it('names the missing variable', async () => {
    await expect(run({ DISCORD_TOKEN: '' })).rejects.toThrow(/DISCORD_TOKEN/);
    await expect(run({ DISCORD_APPLICATION_ID: '' })).rejects.toThrow(/DISCORD_APPLICATION_ID/);
    expect(fake.requests).toEqual([]);
  });

  it('a token Discord rejects is named in the error', async () => {
    await expect(run({ DISCORD_TOKEN: OTHER_TOKEN })).rejects.toThrow(/DISCORD_TOKEN/);
    expect(fake.requests.some((r) => r.method === 'PUT')).toBe(false);
  });
});

describe('command JSON', () => {
  it('manager-only commands need Manage Channels and are guild-only; others are open', () => {
    const json = toDiscordCommand({
      name: 'feeds',
      description: 'd',
      options: [],
      help: '',
      managersOnly: true,
    });
    expect(json.default_member_permissions).toBe(String(1n << 4n));
    expect(json.contexts).toEqual([0]);
    const open = toDiscordCommand(commands[0]!.definition);
    expect(open.default_member_permissions).toBeNull();
    expect(open.contexts).toEqual([0, 1]);
  });

  it('string options keep choices or autocomplete, never both; booleans are type 5', () => {
    const brief = commands.find((c) => c.definition.name === 'brief')!;
    const options = toDiscordCommand(brief.definition).options as {
      name: string;
      type: number;
      autocomplete?: boolean;
      choices?: unknown[];
    }[];
    expect(options.find((o) => o.name === 'topic')).toMatchObject({
      type: 3,
      autocomplete: true,
      required: true,
    });
    const section = options.find((o) => o.name === 'section')!;
    expect(section.type).toBe(3);
    expect(section.choices?.length).toBeGreaterThan(0);
    expect(section.autocomplete).toBeUndefined();
    expect(options.find((o) => o.name === 'share')).toMatchObject({ type: 5 });
  });

  it('descriptions are cut to Discord’s 100 characters and required options come first', () => {
    const json = toDiscordCommand({
      name: 'long',
      description: 'x'.repeat(150),
      options: [
        { name: 'optional', description: 'y'.repeat(120), type: 'string' },
        { name: 'needed', description: 'n', type: 'string', required: true },
      ],
      help: '',
    });
    expect(json.description.length).toBeLessThanOrEqual(100);
    expect(json.options?.map((o) => o.name)).toEqual(['needed', 'optional']);
    expect(json.options?.[1]?.description.length).toBeLessThanOrEqual(100);
  });
});

describe('briefbot register', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'register', ...args], { env: { PATH: process.env.PATH, ...env } });

  it('registers in a guild with Discord’s settings alone: a Slack set up half-way does not stand in the way', async () => {
    const { stdout } = await cli(['--guild', GUILD_ID], { ...discordEnv(fake), SLACK_BOT_TOKEN: 'xoxb-1-2' });
    expect(stdout).toContain(`Registered ${commands.length} commands in guild ${GUILD_ID}:`);
  });

  it('checks a guild id before calling Discord', async () => {
    const failed = await cli(['--guild', 'my-server'], discordEnv(fake)).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain("--guild takes a numeric guild id (Developer Mode → Copy Server ID), got 'my-server'");
    expect(fake.requests.filter((r) => r.path.includes('/commands'))).toEqual([]);
  });
});
