import type { webApi } from '@slack/bolt';
import { stringify } from 'yaml';
import { commands as allCommands } from '../../../commands/index.js';
import { ConfigError } from '../../config.js';
import { usageOf } from '../../core/commands/parse-text.js';
import { type CommandModule, nameOn } from '../../core/commands/types.js';

type Manifest = webApi.AppsManifestCreateArguments['manifest'];

/** Slack's limits for slash commands in a manifest. */
const LIMITS = { command: 32, description: 2000, usageHint: 1000 } as const;

/**
 * Exactly what the bot needs: `commands` to receive slash commands, `chat:write` for answers
 * posted to a channel, `users:read` for users.info (is the user a workspace admin?).
 */
/**
 * `*:history`: a digest page resent after an attempt that went unanswered (a timeout, a crash) is
 * first looked for in the channel, so it is not posted twice; each kind of conversation has its own.
 */
export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'users:read', 'channels:history', 'groups:history', 'im:history', 'mpim:history'] as const;

/**
 * The Slack app manifest (YAML) declaring every command, the scopes and the mode. Paste it at
 * api.slack.com/apps → Create New App → From a manifest. HTTP mode needs the public URL of
 * /slack/events; Socket Mode needs none.
 */
export function slackManifest(
  mode: { socketMode: boolean },
  options: { requestUrl?: string },
  commands: readonly CommandModule[] = allCommands,
): string {
  return stringify(buildManifest(mode, options, commands), { lineWidth: 0 });
}

export function buildManifest(
  mode: { socketMode: boolean },
  options: { requestUrl?: string },
  commands: readonly CommandModule[],
): Manifest {
  const { socketMode } = mode;
  const url = socketMode ? undefined : requestUrlOf(options.requestUrl);
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'briefbot',
      description: 'Sourced briefs on Colombia’s foreign relations',
    },
    features: {
      bot_user: { display_name: 'briefbot', always_online: true },
      slash_commands: commands.map((c) => slashCommand(c, url)),
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      // No buttons or modals yet: nothing interactive to receive.
      interactivity: { is_enabled: false },
      socket_mode_enabled: socketMode,
      org_deploy_enabled: false,
      token_rotation_enabled: false,
    },
  };
}

function slashCommand(c: CommandModule, url: string | undefined) {
  const name = nameOn(c.definition, 'slack');
  if (!/^[a-z0-9_-]+$/.test(name) || name.length + 1 > LIMITS.command) {
    throw new Error(
      `/${name}: Slack command names are lowercase, at most ${LIMITS.command} characters with the /`,
    );
  }
  const hint = usageOf(c.definition, name).replace(/^Usage: \/\S+\s*/, '');
  return {
    command: `/${name}`,
    description: c.definition.description.slice(0, LIMITS.description),
    ...(hint ? { usage_hint: hint.slice(0, LIMITS.usageHint) } : {}),
    // Our parser reads plain text; escaped <@U…> forms would only get in the way.
    should_escape: false,
    ...(url ? { url } : {}),
  };
}

function requestUrlOf(requestUrl: string | undefined): string {
  if (!requestUrl) {
    throw new ConfigError(
      'HTTP mode needs the public URL of /slack/events: pass --request-url https://…/slack/events (or --socket-mode for Socket Mode)',
    );
  }
  if (!URL.canParse(requestUrl) || new URL(requestUrl).protocol !== 'https:') {
    throw new ConfigError(
      `--request-url must be an https URL (Slack calls it from the internet), got ${requestUrl}`,
    );
  }
  return requestUrl;
}
