import { type App, webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import { dispatchText } from '../../core/commands/dispatch.js';
import { dependsOnManagerRole, findCommand } from '../../core/commands/types.js';
import { textReply } from '../../core/reply.js';
import type { PlatformAdapter, PlatformDeps } from '../types.js';
import { answerSlashCommand, type SlackDelivery } from './answer.js';
import { createBoltApp, type SlackClientOptions } from './bolt-app.js';
import { SLACK_EVENTS_PATH, slackEventsRoute } from './http-route.js';
import { InFlight } from './in-flight.js';
import { DIGEST_CLIENT_OPTIONS, slackDigestTarget } from './digest-target.js';
import { toBoltLogger } from './bolt-logger.js';
import { createManagerCheck } from './managers.js';

export interface SlackAdapterOptions {
  /** Extra Web API client options (tests: `retryConfig: { retries: 0 }`). */
  clientOptions?: SlackClientOptions;
  /** Answers ready within this go in the ack itself; slower ones are acked empty and sent with respond(). */
  ackBudgetMs?: number;
  /** Upper bound for finishing in-flight answers in stop(). */
  drainMs?: number;
}

/** Slack through Bolt: slash commands in, rendered Replies out. It decides nothing itself. */
export function createSlackAdapter(
  config: Config,
  deps: PlatformDeps,
  options: SlackAdapterOptions = {},
): PlatformAdapter {
  const logger = deps.logger.child({ platform: 'slack' });
  const { app, transport } = createBoltApp(config, logger, options.clientOptions);
  const ackBudgetMs = options.ackBudgetMs ?? 2000;
  const inFlight = new InFlight();
  const isManager = createManagerCheck({
    admins: config.SLACK_ADMIN_USERS,
    usersInfo: async (user) => (await app.client.users.info({ user })).user ?? {},
    logger,
  });

  let state: 'new' | 'initialised' | 'failed' | 'stopping' | 'stopped' = 'new';
  let failure = '';
  // Socket Mode is ready only while the socket is up; HTTP mode has no connection of its own.
  let socketUp = transport.mode === 'http';
  if (transport.mode === 'socket') {
    const client = transport.receiver.client;
    client.on('connected', () => {
      socketUp = true;
    });
    for (const down of ['close', 'disconnecting', 'disconnected', 'reconnecting']) {
      client.on(down, () => {
        socketUp = false;
      });
    }
  }

  // While stopping, Bolt still takes requests so the listener can answer "restarting" instead of a 503.
  registerCommands(app, deps, {
    isManager,
    ackBudgetMs,
    isStopping: () => state === 'stopping' || state === 'stopped',
    inFlight,
  });
  // Errors Bolt catches outside our listeners (authorize, middleware) still reach our log.
  app.error(async (error) => {
    logger.error({ err: error }, 'slack: Bolt reported an error');
  });

  // Its own client: Bolt's retries would post a page twice and hold delivery for ~30 minutes.
  const digestClient = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    logger: toBoltLogger(logger),
    ...DIGEST_CLIENT_OPTIONS,
  });

  return {
    name: 'slack',
    digestTarget: slackDigestTarget(digestClient),
    routes:
      transport.mode === 'http'
        ? {
            [SLACK_EVENTS_PATH]: slackEventsRoute(
              transport.receiver,
              () => state === 'initialised' || state === 'stopping',
              logger,
            ),
          }
        : undefined,

    async start() {
      try {
        await app.init();
      } catch (err) {
        state = 'failed';
        failure = `${rejected(err) ? 'Slack rejected' : 'Could not verify'} SLACK_BOT_TOKEN (auth.test: ${describeApiError(err)})`;
        throw new Error(failure, { cause: err });
      }
      if (transport.mode === 'socket') {
        try {
          await app.start();
        } catch (err) {
          state = 'failed';
          failure = `${rejected(err) ? 'Slack rejected' : 'Socket Mode could not connect with'} SLACK_APP_TOKEN (apps.connections.open: ${describeApiError(err)})`;
          throw new Error(failure, { cause: err });
        }
      }
      state = 'initialised';
      logger.info({ mode: transport.mode }, 'slack: ready');
    },

    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      const wasRunning = state === 'initialised';
      state = 'stopping';
      const drained = await inFlight.drain(options.drainMs ?? Math.min(config.SHUTDOWN_GRACE_MS, 8000));
      if (!drained)
        logger.warn({ unfinished: inFlight.size }, 'slack: stopped before every answer was delivered');
      // The HTTP receiver never listened (our server does), so only the socket needs closing.
      if (transport.mode === 'socket' && wasRunning) await app.stop();
      state = 'stopped';
    },

    health() {
      if (state === 'initialised') {
        return socketUp
          ? { ready: true }
          : { ready: false, reason: 'Socket Mode connection is down (reconnecting)' };
      }
      if (state === 'new') return { ready: false, reason: 'starting (auth.test pending)' };
      if (state === 'failed') return { ready: false, reason: failure };
      return { ready: false, reason: 'stopping' };
    },
  };
}

interface ListenerDeps {
  isManager: (userId: string) => Promise<boolean>;
  ackBudgetMs: number;
  isStopping: () => boolean;
  inFlight: InFlight;
}

/** Every slash command Slack sends us, answered through dispatchText. */
function registerCommands(app: App, deps: PlatformDeps, listener: ListenerDeps): void {
  const logger = deps.logger.child({ platform: 'slack' });
  // One listener for every command: Bolt runs each listener's matching middleware on every event,
  // so a listener per command multiplied that work by the number of commands. dispatch() resolves
  // the name (and answers one Slack sends that we do not know).
  app.command(/^\//, async ({ command: body, ack, respond }) => {
    const name = body.command.slice(1);
    const delivery: SlackDelivery = {
      ack: (message) => (message ? ack(message) : ack()),
      respond: (message) => respond(message),
    };
    if (listener.isStopping()) {
      await answerSlashCommand(
        async () => textReply('Restarting', 'briefbot is restarting. Please try again in a minute.'),
        delivery,
        { command: name, budgetMs: listener.ackBudgetMs, logger },
      );
      return;
    }
    const produce = async () => {
      // users.info is a Web API round trip (cached per user for minutes): ask only when it can
      // change the answer, not before every brief.
      const command = findCommand(deps.context.commands, name, 'slack');
      const canManageChannel =
        command && dependsOnManagerRole(command.definition) ? await listener.isManager(body.user_id) : false;
      return dispatchText(
        `/${name} ${unescapeCommandText(body.text ?? '')}`,
        { user: { id: body.user_id, name: body.user_name }, channelId: body.channel_id, platform: 'slack', canManageChannel },
        deps.context,
        deps.observe,
      );
    };
    await listener.inFlight.track(
      answerSlashCommand(produce, delivery, { command: name, budgetMs: listener.ackBudgetMs, logger }),
    );
  });
}

/** Slack answered and said no (invalid_auth, account_inactive…), as opposed to being unreachable. */
function rejected(err: unknown): boolean {
  return err instanceof webApi.WebAPIPlatformError;
}

/** Slack's own error code where there is one (invalid_auth), else the HTTP status or message. */
export function describeApiError(err: unknown): string {
  if (err instanceof webApi.WebAPIPlatformError) return String(err.data.error);
  if (err instanceof webApi.WebAPIHTTPError) return `HTTP ${err.statusCode}`;
  if (err instanceof webApi.WebAPIRequestError)
    return `request failed: ${err.original?.message ?? err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Slack sends a slash command's text with `&`, `<` and `>` escaped (whatever `should_escape` says):
 * `nato-status&china` arrives as `nato-status&amp;china`. Read it as the user typed it.
 */
export function unescapeCommandText(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}
