import type { CommandModule } from '../src/core/commands/types.js';
import { feedHealthReply } from '../src/core/feeds/health-reply.js';
import { errorReply } from '../src/core/reply.js';

const feeds: CommandModule = {
  definition: {
    name: 'feeds',
    description: 'Which news feeds work, and which fail and why',
    options: [],
    help: 'The feeds digests are built from: which fail and why, which were read in part, have moved, have gone quiet, and which hosts asked us to wait. Channel managers only.',
    // Its reasons quote feed URLs (an intranet address, a token in a query string): for moderators.
    managersOnly: true,
  },
  async handle(_request, context) {
    if (!context.feedHealth) return errorReply('Feeds are not polled in this process.');
    const { health, lastNew, pauses } = await context.feedHealth();
    return feedHealthReply(health, lastNew, context.now(), pauses);
  },
};

export default feeds;
