import { type Client, Events } from 'discord.js';
import type { Logger } from '../../logger.js';

export interface GatewayHealth {
  health(): { ready: boolean; reason?: string };
  /** The adapter is shutting down: not ready, whatever the socket does. */
  stopping(): void;
}

/**
 * Readiness from the gateway's own events: we can only answer interactions while the socket is up.
 * discord.js reconnects by itself; these events tell us when it is trying and when it made it.
 */
export function trackGateway(client: Client, logger: Logger): GatewayHealth {
  let reason: string | undefined = 'gateway not connected yet';
  const up = (how: string) => () => {
    if (reason !== undefined) logger.info({ how }, 'discord: gateway connected');
    reason = undefined;
  };
  const down = (why: string) => {
    if (reason === undefined) logger.warn({ reason: why }, 'discord: gateway down');
    reason = why;
  };

  client.on(Events.ClientReady, up('ready'));
  // A fresh identify after a reconnect fires ShardReady (ClientReady fires only once per login).
  client.on(Events.ShardReady, up('shard ready'));
  client.on(Events.ShardResume, up('resumed'));
  client.on(Events.ShardReconnecting, () => down('gateway disconnected, reconnecting'));
  client.on(Events.ShardDisconnect, (event) =>
    down(`gateway disconnected (close code ${event.code}), not reconnecting`),
  );
  client.on(Events.Invalidated, () => down('gateway session invalidated'));

  return {
    health: () => (reason === undefined ? { ready: true } : { ready: false, reason }),
    stopping: () => {
      reason = 'shutting down';
    },
  };
}
