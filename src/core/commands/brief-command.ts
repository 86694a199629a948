import { memoBriefReply } from '../briefs/reply-memo.js';
import { BRIEF_SECTIONS, type BriefSection } from '../briefs/to-reply.js';
import { errorReply, type Reply } from '../reply.js';
import { closest } from '../text.js';
import type { CommandContext, CommandModule, CommandRequest, OptionDefinition } from './types.js';

export const sectionOption: OptionDefinition = {
  name: 'section',
  description: 'Which part of the brief (default: all)',
  type: 'string',
  choices: BRIEF_SECTIONS.map((s) => ({ name: s, value: s })),
};

export const shareOption: OptionDefinition = {
  name: 'share',
  description: 'Post the answer in the channel instead of only to you',
  type: 'boolean',
};

const HEADLINES = 3;

/** Answer with one brief, honouring the section and share options; the full view adds the latest headlines. */
export async function answerWithBrief(
  topic: string,
  request: CommandRequest,
  context: CommandContext,
  command = `/${request.command}`,
): Promise<Reply> {
  const brief = context.briefs.get(topic);
  if (!brief) {
    const topics = context.briefs.list().map((b) => b.topic);
    const meant = closest(topic, topics);
    return errorReply(`There is no brief on '${topic}'.${meant ? ` Did you mean ${meant}?` : ''} Briefs: ${topics.join(', ') || 'none loaded'}.`);
  }
  const section = (request.options.section as BriefSection | undefined) ?? 'all';
  const headlines = section === 'all' && context.headlines ? await context.headlines(topic, HEADLINES) : [];
  return memoBriefReply(brief, {
    section,
    ephemeral: request.options.share !== true,
    now: context.now(),
    command,
    headlines,
  });
}

/** A slash command that serves one topic's brief: all a new topic's command module needs. */
export function briefCommand(spec: { topic: string; description: string; help?: string }): CommandModule {
  return {
    definition: {
      name: spec.topic,
      description: spec.description,
      options: [sectionOption, shareOption],
      help: spec.help ?? `${spec.description}. Add section:facts (or status, timeline, watch, sources) for one part.`,
    },
    handle: (request, context) => answerWithBrief(spec.topic, request, context),
  };
}
