import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandContext, Platform } from '../core/commands/types.js';
import type { CommandObserver } from '../core/commands/dispatch.js';
import type { DigestTarget } from '../core/digests/outbox.js';
import type { Logger } from '../logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What every platform adapter gets: the command core, and where to report. */
export interface PlatformDeps {
  context: CommandContext;
  observe: CommandObserver;
  logger: Logger;
}

/** A chat platform the bot lives on. It renders Replies and delivers them; it decides nothing. */
export interface PlatformAdapter {
  readonly name: Platform;
  start(): Promise<void>;
  /** Stop taking new work, let in-flight answers finish (bounded), close connections. */
  stop(): Promise<void>;
  health(): { ready: boolean; reason?: string };
  /** Routes served on the bot's one HTTP server (Slack's HTTP mode). */
  routes?: Record<string, RouteHandler>;
  /** How digests are posted to channels on this platform. */
  digestTarget?: DigestTarget;
}
