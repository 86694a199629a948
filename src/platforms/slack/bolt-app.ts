import { App, HTTPReceiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import { type Config, ConfigError } from '../../config.js';
import type { Logger } from '../../logger.js';
import { toBoltLogger } from './bolt-logger.js';

export type SlackClientOptions = Omit<webApi.WebClientOptions, 'slackApiUrl' | 'logger' | 'logLevel'>;

export type SlackTransport =
  | { mode: 'http'; receiver: HTTPReceiver }
  | { mode: 'socket'; receiver: SocketModeReceiver };

/**
 * The Bolt App, built so that construction touches no network: `deferInitialization` moves
 * auth.test into `app.init()`, where a bad token is a rejected promise start() can report,
 * instead of an unhandled rejection that kills the process (platforms.md §2.3).
 * Socket Mode when SLACK_APP_TOKEN is set; otherwise an HTTPReceiver we route to ourselves.
 */
export function createBoltApp(
  config: Config,
  logger: Logger,
  extraClientOptions: SlackClientOptions = {},
): { app: App; transport: SlackTransport } {
  const token = config.SLACK_BOT_TOKEN;
  if (!token) throw new ConfigError('Configuration error:\n  SLACK_BOT_TOKEN is required to run on Slack');
  const boltLogger = toBoltLogger(logger);
  const apiUrl = config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {};
  // The App's own calls (auth.test at start, a manager check) try three times in ~3 s. Left to the
  // defaults they took ~30 minutes (or, in Socket Mode, the socket client's 100 retries, which it
  // writes into the options object it is given) before start-up said Slack could not be reached.
  const clientOptions: webApi.WebClientOptions = {
    retryConfig: { retries: 2, minTimeout: 1000, maxTimeout: 2000 },
    timeout: 10_000,
    ...extraClientOptions,
    ...apiUrl,
  };

  let transport: SlackTransport;
  if (config.SLACK_APP_TOKEN) {
    transport = {
      mode: 'socket',
      receiver: new SocketModeReceiver({
        appToken: config.SLACK_APP_TOKEN,
        logger: boltLogger,
        // A copy of its own: it keeps its reconnect retries (apps.connections.open), which are its business.
        installerOptions: { clientOptions: { ...extraClientOptions, ...apiUrl } },
      }),
    };
  } else {
    if (!config.SLACK_SIGNING_SECRET) {
      throw new ConfigError(
        'Configuration error:\n  SLACK_SIGNING_SECRET is required for Slack HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      );
    }
    transport = {
      mode: 'http',
      receiver: new HTTPReceiver({ signingSecret: config.SLACK_SIGNING_SECRET, logger: boltLogger }),
    };
  }

  const app = new App({
    token,
    receiver: transport.receiver,
    socketMode: transport.mode === 'socket',
    logger: boltLogger,
    clientOptions,
    deferInitialization: true,
    // We keep no conversation state; Bolt's default store builds an Error for every event that has none.
    convoStore: false,
  });
  return { app, transport };
}
