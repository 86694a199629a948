import type { Logger } from '../../logger.js';

/** The one Web API call this needs, so a test or another client can stand in for Bolt's. */
export type UsersInfo = (
  userId: string,
) => Promise<{ is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean }>;

export interface ManagerCheckOptions {
  /** SLACK_ADMIN_USERS: trusted without asking Slack. */
  admins: readonly string[];
  usersInfo: UsersInfo;
  logger: Logger;
  /** Roles change rarely; a short cache keeps users.info off the hot path of every command. */
  ttlMs?: number;
  /** A slow users.info must not eat the 3-second ack budget. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Slack's stand-in for Discord's Manage Channels: a listed admin, or a workspace admin/owner
 * according to users.info. Any failure answers false (refusing is the safe side) and is logged.
 */
export function createManagerCheck(options: ManagerCheckOptions): (userId: string) => Promise<boolean> {
  const { admins, usersInfo, logger, ttlMs = 5 * 60_000, timeoutMs = 1000, now = Date.now } = options;
  const cache = new Map<string, { value: boolean; until: number }>();

  const ask = async (userId: string): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`users.info took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const user = await Promise.race([usersInfo(userId), timeout]);
      const value = Boolean(user.is_admin || user.is_owner || user.is_primary_owner);
      cache.set(userId, { value, until: now() + ttlMs });
      return value;
    } catch (err) {
      // Not cached: the next command asks again, so a passing outage does not stick for the TTL.
      logger.warn({ err, userId }, 'slack: users.info failed; treating the user as not a manager');
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  return async (userId) => {
    if (admins.includes(userId)) return true;
    const hit = cache.get(userId);
    if (hit && hit.until > now()) return hit.value;
    return ask(userId);
  };
}
