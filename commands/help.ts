import { daysBetween } from '../src/core/text.js';
import { usageOf } from '../src/core/commands/parse-text.js';
import { type CommandModule, nameOn } from '../src/core/commands/types.js';
import { errorReply } from '../src/core/reply.js';

const help: CommandModule = {
  definition: {
    name: 'help',
    description: 'What briefbot can tell you',
    options: [{ name: 'command', description: 'One command to explain, e.g. digest', type: 'string', autocomplete: true }],
    help: 'Lists the commands and the briefs, or explains one command (command:digest).',
    // Slack's client keeps /help for itself.
    platformNames: { slack: 'briefbot-help' },
  },
  handle: (request, context) => {
    const usage = (c: CommandModule) => usageOf(c.definition, nameOn(c.definition, request.platform)).replace(/^Usage: /, '');
    // Under the name this platform knows help by: on Slack `/help` is Slack's own.
    const self = context.commands.find((c) => c.definition.name === 'help');
    const helpName = self ? nameOn(self.definition, request.platform) : 'help';
    const asked = request.options.command;
    if (typeof asked === 'string') {
      const name = asked.trim().replace(/^\//, '').toLowerCase();
      const command = context.commands.find((c) => c.definition.name === name || nameOn(c.definition, request.platform) === name);
      if (!command) {
        const names = context.commands.map((c) => `/${nameOn(c.definition, request.platform)}`).join(', ');
        return errorReply(`There is no command /${name}. Commands: ${names}.`);
      }
      const options = command.definition.options.map((o) => ({
        text: `${o.name}: ${o.description}${o.choices ? ` (${o.choices.map((c) => c.value).join(', ')})` : ''}${o.required ? '; required' : ''}`,
      }));
      return {
        title: `/${nameOn(command.definition, request.platform)}`,
        status: command.definition.help,
        sections: [
          { key: 'usage', heading: 'Usage', items: [{ text: usage(command) }], style: 'paragraph' },
          ...(options.length > 0 ? [{ key: 'options', heading: 'Options', items: options, style: 'list' as const }] : []),
        ],
        ...(command.definition.options.some((o) => o.name === 'share') ? { footer: 'Answers are private to you unless you add share.' } : {}),
        ephemeral: true,
        tone: 'info',
      };
    }
    const commands = context.commands.map((c) => ({ text: `${usage(c)}: ${c.definition.help}` }));
    const briefs = context.briefs.list().map((b) => {
      const stale = daysBetween(new Date(`${b.updated}T00:00:00Z`), context.now()) > b.stale_after_days;
      return { text: `${b.topic}: ${b.title} (reviewed ${b.updated}${stale ? ', may be out of date' : ''})` };
    });
    return {
      title: 'briefbot',
      status: 'Sourced briefs on Colombia’s foreign relations. Every fact links to its source.',
      sections: [
        { key: 'commands', heading: 'Commands', items: commands, style: 'list' },
        { key: 'briefs', heading: 'Briefs', items: briefs, style: 'list' },
      ],
      footer: `Answers are private to you unless you add share. /${helpName} command:digest explains one command.`,
      ephemeral: true,
      tone: 'info',
    };
  },
  autocomplete: (_option, typed, context) =>
    context.commands
      .filter((c) => c.definition.name.includes(typed.toLowerCase().replace(/^\//, '')))
      .slice(0, 25)
      .map((c) => ({ name: `/${c.definition.name}`, value: c.definition.name })),
};

export default help;
