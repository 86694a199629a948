import { randomBytes } from 'node:crypto';
import {
  type APIEmbed,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type JSONEncodable,
  MessageFlags,
} from 'discord.js';
import { autocomplete, dispatch } from '../../core/commands/dispatch.js';
import { errorReply, type Reply, textReply } from '../../core/reply.js';
import { safeSlice } from '../../core/text.js';
import type { PlatformDeps } from '../types.js';
import { within } from '../within.js';
import { type DiscordMessage, renderDiscord } from './render.js';
import { toCommandRequest } from './request.js';

/** Discord drops an interaction not acknowledged within 3 s; deferring at 1.5 s leaves room for the call. */
export const DEFER_AFTER_MS = 1500;

/**
 * Answer one slash command: reply directly when the core is quick, otherwise defer and edit.
 * Never rejects: whatever fails becomes an ephemeral apology with an error id that is also logged,
 * so the user never sees "The application did not respond".
 */
export async function answerCommand(
  interaction: ChatInputCommandInteraction,
  deps: PlatformDeps,
  deferAfterMs = DEFER_AFTER_MS,
): Promise<void> {
  try {
    const request = toCommandRequest(interaction);
    const answer = dispatch(request, deps.context, deps.observe);
    const early = await within(answer, deferAfterMs);
    if (early) {
      await interaction.reply(replyOptions(render(early, deps)));
      return;
    }
    // A deferral fixes the visibility of the deferred message, so guess it the way the core mostly decides it.
    const ephemeral = request.options.share !== true;
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const message = render(await answer, deps);
    if (message.ephemeral === ephemeral) {
      await interaction.editReply(editOptions(message));
      return;
    }
    // The guess was wrong (a slow /digest subscribe, whose confirmation is for the channel; a share
    // that ends in an error): the answer goes as a follow-up that is as public as it should be.
    await interaction.followUp(replyOptions(message));
    if (ephemeral) await interaction.editReply({ content: 'Posted in the channel.', embeds: [] });
    else await interaction.deleteReply();
  } catch (error) {
    await apologise(interaction, error, deps);
  }
}

/** A command that arrives while the bot drains at shutdown: a word, not Discord's "did not respond". */
export async function answerRestarting(interaction: ChatInputCommandInteraction, deps: PlatformDeps): Promise<void> {
  try {
    await interaction.reply(replyOptions(render(textReply('Restarting', 'briefbot is restarting. Please try again in a minute.'), deps)));
  } catch (error) {
    deps.logger.warn({ err: error }, 'discord: could not answer a command during shutdown');
  }
}

/** Suggestions while the user types; an empty list is a valid answer, silence is not. */
export async function answerAutocomplete(
  interaction: AutocompleteInteraction,
  deps: PlatformDeps,
): Promise<void> {
  try {
    const focused = interaction.options.getFocused(true);
    const choices = autocomplete(
      interaction.commandName,
      focused.name,
      String(focused.value),
      deps.context,
      'discord',
    )
      .slice(0, 25)
      .map((c) => ({ name: safeSlice(c.name, 100), value: safeSlice(c.value, 100) }));
    await interaction.respond(choices);
  } catch (error) {
    deps.logger.warn({ err: error, command: interaction.commandName }, 'discord: autocomplete failed');
  }
}

async function apologise(
  interaction: ChatInputCommandInteraction,
  error: unknown,
  deps: PlatformDeps,
): Promise<void> {
  const errorId = randomBytes(4).toString('hex');
  deps.logger.error(
    { err: error, errorId, command: interaction.commandName, interaction: interaction.id },
    'discord: could not answer the command',
  );
  const sorry = renderDiscord(
    errorReply(
      `Something went wrong answering /${interaction.commandName}. It has been logged as error ${errorId}.`,
    ),
  ).message;
  try {
    if (interaction.deferred && !interaction.replied) {
      // The first message after a deferral keeps the deferral's visibility, whatever we ask for.
      await interaction.editReply(editOptions(sorry));
    } else if (interaction.replied) {
      await interaction.followUp(replyOptions(sorry));
    } else {
      await interaction.reply(replyOptions(sorry));
    }
  } catch (again) {
    deps.logger.error({ err: again, errorId }, 'discord: could not deliver the apology either');
  }
}

function render(reply: Reply, deps: PlatformDeps): DiscordMessage {
  const { message, trimmed } = renderDiscord(reply);
  if (trimmed.length > 0) deps.logger.info({ title: reply.title, trimmed }, 'discord: reply trimmed to fit');
  return message;
}

/**
 * Our embeds are already Discord API JSON. Given plain objects, discord.js copies each one key by
 * key through lodash's snakeCase (its jsonTransformer), about 0.1 ms for a brief; given a
 * JSONEncodable it sends toJSON() as it is.
 */
function asApiJson(embeds: DiscordMessage['embeds']): JSONEncodable<APIEmbed>[] {
  return embeds.map((embed) => ({ toJSON: () => embed }));
}

function replyOptions(message: DiscordMessage): InteractionReplyOptions {
  return {
    ...(message.content ? { content: message.content } : {}),
    embeds: asApiJson(message.embeds),
    allowedMentions: message.allowed_mentions,
    ...(message.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

function editOptions(message: DiscordMessage): InteractionEditReplyOptions {
  return {
    ...(message.content ? { content: message.content } : {}),
    embeds: asApiJson(message.embeds),
    allowedMentions: message.allowed_mentions,
  };
}
