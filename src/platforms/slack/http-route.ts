import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { RouteHandler } from '../types.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Slack's replay window: a request signed more than 5 minutes from now, either way, is refused. */
export const REPLAY_WINDOW_S = 5 * 60;

/**
 * Bolt refuses timestamps more than 5 minutes old but accepts any in the future (platforms.md §2.1);
 * Slack's guidance is an absolute window. A missing header is left to Bolt, which refuses it.
 */
export function outsideReplayWindow(header: string | string[] | undefined, nowMs = Date.now()): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,12}$/.test(value)) return true;
  return Math.abs(nowMs / 1000 - Number(value)) > REPLAY_WINDOW_S;
}

/**
 * `/slack/events` on the bot's own HTTP server. Bolt's HTTPReceiver does the work (raw-body
 * parsing, signature and replay check, ack timer) through its `requestListener`; its start() is
 * never called, so it never opens a port of its own. Until the app is initialised Bolt has no
 * authorize function, so early (and after-stop) requests get 503 instead of an error from inside Bolt.
 * A timestamp outside the replay window either way gets 401 here, before Bolt reads the body.
 */
export function slackEventsRoute(
  receiver: HTTPReceiver,
  accepting: () => boolean,
  logger: Logger,
): RouteHandler {
  // Bolt's own line ("signature mismatch") names no setting. Every command refused this way is most
  // often a wrong SLACK_SIGNING_SECRET (the Client Secret looks the same); forged requests too, so
  // at most one line a minute.
  let hintedAt = Number.NEGATIVE_INFINITY;
  const hintOn401 = (res: Parameters<RouteHandler>[1]) =>
    res.on('finish', () => {
      if (res.statusCode !== 401 || Date.now() - hintedAt < 60_000) return;
      hintedAt = Date.now();
      logger.warn(
        'slack: a request failed the signature check; if every command fails, SLACK_SIGNING_SECRET is wrong (it is the app\'s Signing Secret, under Basic Information, not its Client Secret)',
      );
    });
  return (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    if (outsideReplayWindow(req.headers['x-slack-request-timestamp'])) {
      logger.warn({ timestamp: req.headers['x-slack-request-timestamp'] }, 'slack: request timestamp outside the 5-minute window; refused');
      res.writeHead(401).end();
      return;
    }
    if (!accepting()) {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('starting\n');
      return;
    }
    try {
      hintOn401(res);
      receiver.requestListener(req, res);
    } catch (err) {
      // requestListener throws only when it cannot route the request at all.
      logger.error({ err }, 'slack: request listener failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  };
}
