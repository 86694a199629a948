import { usageOf } from '../src/core/commands/parse-text.js';
import { type CommandModule, nameOn } from '../src/core/commands/types.js';

const help: CommandModule = {
  definition: {
    name: 'help',
    description: 'What briefbot can tell you',
    options: [],
    help: 'Lists the commands and the briefs.',
    // Slack's client keeps /help for itself.
    platformNames: { slack: 'briefbot-help' },
  },
  handle: (request, context) => {
    const commands = context.commands.map((c) => ({
      text: `${usageOf(c.definition, nameOn(c.definition, request.platform)).replace(/^Usage: /, '')}: ${c.definition.help}`,
    }));
    const briefs = context.briefs.list().map((b) => ({ text: `${b.topic}: ${b.title} (reviewed ${b.updated})` }));
    return {
      title: 'briefbot',
      status: 'Sourced briefs on Colombia’s foreign relations. Every fact links to its source.',
      sections: [
        { key: 'commands', heading: 'Commands', items: commands, style: 'list' },
        { key: 'briefs', heading: 'Briefs', items: briefs, style: 'list' },
      ],
      footer: 'Answers are private to you unless you add share.',
      ephemeral: true,
      tone: 'info',
    };
  },
};

export default help;
