import { answerWithBrief, sectionOption, shareOption } from '../src/core/commands/brief-command.js';
import type { CommandModule } from '../src/core/commands/types.js';
import { safeSlice } from '../src/core/text.js';

const brief: CommandModule = {
  definition: {
    name: 'brief',
    description: 'Any brief by topic',
    options: [
      { name: 'topic', description: 'The topic', type: 'string', required: true, autocomplete: true },
      sectionOption,
      shareOption,
    ],
    help: 'Any loaded brief by its topic, e.g. /brief topic:china-ties section:timeline.',
  },
  handle: (request, context) => {
    // As people type a topic: `/nato-status`, `NATO status`, `nato–status`, quoted.
    const topic = String(request.options.topic ?? '')
      .toLowerCase()
      .trim()
      .replace(/^["'‘’“”]+|["'‘’“”]+$/g, '')
      .replace(/^\//, '')
      .replace(/[\s_‐-―]+/g, '-');
    return answerWithBrief(topic, request, context, `/brief topic:${topic}`);
  },
  autocomplete: (_option, typed, context) => {
    const wanted = typed.toLowerCase();
    return context.briefs
      .list()
      .filter((b) => b.topic.includes(wanted) || b.title.toLowerCase().includes(wanted))
      .slice(0, 25)
      .map((b) => ({ name: safeSlice(`${b.topic}: ${b.title}`, 100), value: b.topic }));
  },
};

export default brief;
