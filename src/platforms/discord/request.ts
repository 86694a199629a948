import { type ChatInputCommandInteraction, PermissionFlagsBits } from 'discord.js';
import type { CommandRequest, OptionValues } from '../../core/commands/types.js';

/** A slash-command interaction as the platform-free request the core understands. */
export function toCommandRequest(interaction: ChatInputCommandInteraction): CommandRequest {
  const options: OptionValues = {};
  for (const option of interaction.options.data) {
    // Our commands only declare string and boolean options; anything else is not ours to pass on.
    if (typeof option.value === 'string' || typeof option.value === 'boolean')
      options[option.name] = option.value;
  }
  return {
    command: interaction.commandName,
    options,
    user: { id: interaction.user.id, name: interaction.user.username },
    channelId: interaction.channelId ?? '',
    platform: 'discord',
    locale: interaction.locale,
    // memberPermissions is null in DMs: nobody manages a DM channel.
    canManageChannel: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels) ?? false,
    cannotPostHere: missingToPost(interaction),
  };
}

/** What a digest needs the bot to have in the channel, as Discord names it. */
const TO_POST = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.EmbedLinks, 'Embed Links'],
] as const;

/** The bot's own permissions here, which Discord sends with every interaction in a server. */
function missingToPost(interaction: ChatInputCommandInteraction): string | undefined {
  if (!interaction.inGuild()) return undefined;
  const missing = TO_POST.filter(([flag]) => !interaction.appPermissions.has(flag)).map(([, name]) => name);
  return missing.length > 0 ? `the bot lacks ${missing.join(', ')} in this channel` : undefined;
}
