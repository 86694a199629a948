import type { BriefSource } from '../briefs/library.js';
import type { DigestService } from '../digests/service.js';
import type { HostPauses } from '../feeds/limiter.js';
import type { FeedHealth } from '../feeds/types.js';
import type { Reply } from '../reply.js';

export type Platform = 'discord' | 'slack' | 'local';

export interface OptionChoice {
  name: string;
  value: string;
}

export interface OptionDefinition {
  name: string;
  description: string;
  type: 'string' | 'boolean';
  required?: boolean;
  choices?: OptionChoice[];
  /** Suggest values while the user types (Discord autocomplete). */
  autocomplete?: boolean;
}

export interface CommandDefinition {
  name: string;
  description: string;
  options: OptionDefinition[];
  /** Longer help, shown by the help command. */
  help: string;
  /** Where a platform reserves `name`, the name used there instead. */
  platformNames?: Partial<Record<Platform, string>>;
  /** Only channel managers may run it (Discord: Manage Channels; Slack: admins). */
  managersOnly?: boolean;
  /** Some of its actions are for channel managers only: its handler reads `canManageChannel`. */
  managerActions?: boolean;
}

/**
 * Whether a request's `canManageChannel` can change this command's answer. Where finding out costs an
 * API call (Slack's users.info), a platform asks only for these commands.
 */
export function dependsOnManagerRole(definition: CommandDefinition): boolean {
  return definition.managersOnly === true || definition.managerActions === true;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandRequest {
  command: string;
  options: OptionValues;
  user: { id: string; name?: string };
  channelId: string;
  platform: Platform;
  locale?: string;
  canManageChannel: boolean;
  /** Why the bot cannot post in this channel, when the platform says it cannot (a subscription here would fail at its first digest). */
  cannotPostHere?: string | undefined;
}

/** A tagged news item, newest first, as shown under a brief. */
export interface Headline {
  title: string;
  url: string;
  outlets: string[];
  published: Date;
  /** No feed dated it: `published` is when the bot first saw it. */
  seen?: boolean;
}

/** Everything a handler may use; no platform in sight. */
export interface CommandContext {
  briefs: BriefSource;
  commands: readonly CommandModule[];
  now: () => Date;
  /** Present where digests run (not in `ask` previews). */
  digests?: DigestService;
  /** The newest tagged items for a topic, where feeds are polled. */
  headlines?: (topic: string, count: number) => Promise<Headline[]>;
  /** Every polled feed's health, and when each last brought a new item, where feeds are polled. */
  feedHealth?: () => Promise<{ health: FeedHealth[]; lastNew: ReadonlyMap<string, Date>; pauses?: HostPauses }>;
}

export interface CommandModule {
  definition: CommandDefinition;
  handle(request: CommandRequest, context: CommandContext): Reply | Promise<Reply>;
  autocomplete?(option: string, typed: string, context: CommandContext): OptionChoice[];
}

export function nameOn(definition: CommandDefinition, platform: Platform): string {
  return definition.platformNames?.[platform] ?? definition.name;
}

export function findCommand(
  commands: readonly CommandModule[],
  name: string,
  platform: Platform,
): CommandModule | undefined {
  const wanted = name.replace(/^\//, '').toLowerCase();
  return commands.find((c) => nameOn(c.definition, platform) === wanted || c.definition.name === wanted);
}
