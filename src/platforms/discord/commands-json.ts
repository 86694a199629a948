import {
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { trimAtSentence } from '../../core/text.js';
import { type CommandDefinition, nameOn, type OptionDefinition } from '../../core/commands/types.js';

/** Discord's application-command limits (developers/interactions/application-commands.mdx). */
const LIMITS = { description: 100, choices: 25, choiceName: 100 } as const;

export type DiscordCommandJSON = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** One of our command definitions as Discord application-command JSON. */
export function toDiscordCommand(definition: CommandDefinition): DiscordCommandJSON {
  // Discord rejects a required option placed after an optional one; keep our order otherwise.
  const options = [...definition.options].sort(
    (a, b) => Number(b.required ?? false) - Number(a.required ?? false),
  );
  return {
    type: ApplicationCommandType.ChatInput,
    name: nameOn(definition, 'discord'),
    description: trimAtSentence(definition.description, LIMITS.description),
    options: options.map(toOption),
    // Discord hides the command from members without the bit; the core still checks at run time.
    default_member_permissions: definition.managersOnly ? String(PermissionFlagsBits.ManageChannels) : null,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    // A manager-only command can never pass the check in a DM, so it is not offered there.
    contexts: definition.managersOnly
      ? [InteractionContextType.Guild]
      : [InteractionContextType.Guild, InteractionContextType.BotDM],
  };
}

function toOption(option: OptionDefinition): APIApplicationCommandOption {
  const common = {
    name: option.name,
    description: trimAtSentence(option.description, LIMITS.description),
    required: option.required ?? false,
  };
  if (option.type === 'boolean') return { ...common, type: ApplicationCommandOptionType.Boolean };
  if (option.choices?.length) {
    return {
      ...common,
      type: ApplicationCommandOptionType.String,
      choices: option.choices
        .slice(0, LIMITS.choices)
        .map((c) => ({ name: trimAtSentence(c.name, LIMITS.choiceName), value: c.value })),
    };
  }
  // Discord refuses autocomplete together with fixed choices, hence the branch above.
  return { ...common, type: ApplicationCommandOptionType.String, autocomplete: option.autocomplete ?? false };
}

/**
 * The fields we control, in a fixed shape, so a command Discord returns (with ids, versions and
 * defaulted fields) compares equal to the JSON we would send when nothing changed.
 */
export function comparable(json: object): string {
  const command = json as Record<string, unknown>;
  const options = (Array.isArray(command.options) ? command.options : []) as Record<string, unknown>[];
  const list = (v: unknown) => (Array.isArray(v) ? [...v].sort() : null);
  return JSON.stringify({
    name: command.name,
    description: command.description,
    default_member_permissions: command.default_member_permissions ?? null,
    contexts: list(command.contexts),
    integration_types: list(command.integration_types),
    options: options.map((o) => ({
      type: o.type,
      name: o.name,
      description: o.description,
      required: o.required ?? false,
      autocomplete: o.autocomplete ?? false,
      choices: Array.isArray(o.choices)
        ? (o.choices as Record<string, unknown>[]).map((c) => ({ name: c.name, value: c.value }))
        : [],
    })),
  });
}
