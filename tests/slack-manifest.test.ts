import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commands } from '../commands/index.js';
import { nameOn } from '../src/core/commands/types.js';
import { buildManifest, SLACK_BOT_SCOPES, slackManifest } from '../src/platforms/slack/manifest.js';

/** `briefbot manifest`: the Slack app's registration, generated from the command list. */

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

async function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_')));
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'manifest', ...args], {
    cwd: root,
    env: { ...clean, ...env },
  });
}

interface ManifestShape {
  features: {
    slash_commands: {
      command: string;
      description: string;
      usage_hint?: string;
      url?: string;
      should_escape: boolean;
    }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { socket_mode_enabled: boolean; org_deploy_enabled: boolean; token_rotation_enabled: boolean };
}

describe('briefbot manifest', () => {
  it('Socket Mode: YAML declaring every command under its Slack name, the scopes, no URLs', async () => {
    const { stdout } = await cli([], { SLACK_APP_TOKEN: 'xapp-1-abc' });
    const manifest = parse(stdout) as ManifestShape;
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(
      commands.map((c) => `/${nameOn(c.definition, 'slack')}`),
    );
    expect(
      manifest.features.slash_commands.every((c) => c.url === undefined && c.should_escape === false),
    ).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual([...SLACK_BOT_SCOPES]);
    expect(manifest.settings).toMatchObject({
      socket_mode_enabled: true,
      org_deploy_enabled: false,
      token_rotation_enabled: false,
    });
  });

  it('HTTP mode: every command points at the request URL', async () => {
    const url = 'https://bot.example.org/slack/events';
    const { stdout } = await cli(['--request-url', url]);
    const manifest = parse(stdout) as ManifestShape;
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.features.slash_commands.map((c) => c.url)).toEqual(commands.map(() => url));
  });

  it('HTTP mode without --request-url exits 1 saying what to pass', async () => {
    const failed = await cli([]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('pass --request-url https://…/slack/events (or --socket-mode for Socket Mode)');
  });

  it('--socket-mode needs no token (the app token exists only once the app does); with --request-url it is refused', async () => {
    const manifest = parse((await cli(['--socket-mode'])).stdout) as ManifestShape;
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    // A half-configured Slack (a bot token and no secret yet) does not stand in the way.
    expect((await cli(['--socket-mode'], { SLACK_BOT_TOKEN: 'xoxb-1-2' })).stdout).toContain('socket_mode_enabled: true');
    const both = await cli(['--socket-mode', '--request-url', 'https://bot.example.org/slack/events']).catch((e: { code: number; stderr: string }) => e);
    expect(both).toMatchObject({ code: 1 });
    expect((both as { stderr: string }).stderr).toContain('--socket-mode and --request-url exclude each other');
  });
});

describe('manifest contents', () => {
  const manifest = buildManifest({ socketMode: true }, {}, commands) as unknown as ManifestShape;

  it('respects Slack’s limits and hints the options', () => {
    for (const c of manifest.features.slash_commands) {
      expect(c.command.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(2000);
      expect(c.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
    }
    const nato = manifest.features.slash_commands.find((c) => c.command === '/nato-status');
    expect(nato?.usage_hint).toBe('[section:all|status|facts|timeline|watch|sources] [share]');
    expect(manifest.features.slash_commands.find((c) => c.command === '/briefbot-help')?.usage_hint).toBe('[command:command]');
  });

  it('asks for exactly the scopes the adapter uses: the history ones for the check before a digest page is resent', () => {
    expect([...SLACK_BOT_SCOPES]).toEqual(['commands', 'chat:write', 'users:read', 'channels:history', 'groups:history', 'im:history', 'mpim:history']);
  });

  it('refuses a command name Slack would refuse, and a non-https request URL', () => {
    const long = { ...commands[0]!, definition: { ...commands[0]!.definition, name: 'x'.repeat(32) } };
    expect(() => slackManifest({ socketMode: true }, {}, [long])).toThrow(/at most 32/);
    expect(() =>
      slackManifest({ socketMode: false }, { requestUrl: 'http://plain.example/slack/events' }),
    ).toThrow(/https/);
  });
});
