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
  };
}
