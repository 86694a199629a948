import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { RouteHandler } from '../types.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * `/slack/events` on the bot's own HTTP server. Bolt's HTTPReceiver does the work (raw-body
 * parsing, signature and replay check, ack timer) through its `requestListener`; its start() is
 * never called, so it never opens a port of its own. Until the app is initialised Bolt has no
 * authorize function, so early (and after-stop) requests get 503 instead of an error from inside Bolt.
 */
export function slackEventsRoute(
  receiver: HTTPReceiver,
  accepting: () => boolean,
  logger: Logger,
): RouteHandler {
  return (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    if (!accepting()) {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
      return;
    }
    try {
      receiver.requestListener(req, res);
    } catch (err) {
      // requestListener throws only when it cannot route the request at all.
      logger.error({ err }, 'slack: request listener failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  };
}
