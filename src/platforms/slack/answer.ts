import { randomBytes } from 'node:crypto';
import { errorReply, type Reply } from '../../core/reply.js';
import type { Logger } from '../../logger.js';
import { within } from '../within.js';
import { renderSlack, type SlackMessage } from './render.js';

/** How Bolt lets a listener answer a slash command, narrowed to what we use. */
export interface SlackDelivery {
  /** Must happen within 3 s; with a message it is the answer itself. */
  ack(message?: SlackMessage): Promise<void>;
  /** A later answer through the command's response_url. */
  respond(message: SlackMessage): Promise<unknown>;
}

export interface AnswerOptions {
  command: string;
  /** How long to wait for the answer before acking empty and answering through respond(). */
  budgetMs: number;
  logger: Logger;
}

/**
 * Answer one slash command within Slack's 3-second deadline. A quick answer goes in the ack
 * itself (one round trip, no response_url); a slow one gets an empty ack at `budgetMs` and then
 * a respond(). Whatever fails, the user gets an ephemeral apology with an error id that is also
 * in the log, sent through whichever channel is still open.
 */
export async function answerSlashCommand(
  produce: () => Promise<Reply>,
  delivery: SlackDelivery,
  options: AnswerOptions,
): Promise<void> {
  const { command, budgetMs, logger } = options;
  const work = produce().then((reply) => {
    const rendered = renderSlack(reply);
    if (rendered.trimmed.length > 0)
      logger.info({ command, trimmed: rendered.trimmed }, 'slack: answer trimmed to fit');
    return rendered.message;
  });
  // If the ack itself fails we never await `work`; its rejection must not become unhandled.
  work.catch(() => {});

  let acked = false;
  try {
    const early = await within(work, budgetMs);
    if (early) {
      acked = true;
      await delivery.ack(early);
      return;
    }
    acked = true;
    await delivery.ack();
    await delivery.respond(await work);
  } catch (err) {
    const errorId = randomBytes(4).toString('hex');
    logger.error({ err, errorId, command, acked }, 'slack: could not answer a command');
    const apology = renderSlack(
      errorReply(`Something went wrong answering /${command}. It has been logged as error ${errorId}.`),
    ).message;
    try {
      if (acked) await delivery.respond(apology);
      else await delivery.ack(apology);
    } catch (again) {
      logger.error({ err: again, errorId, command }, 'slack: could not deliver the apology either');
    }
  }
}
