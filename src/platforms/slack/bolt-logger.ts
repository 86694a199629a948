import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Bolt's logger interface on top of our pino logger, so Bolt's own lines (401s, ack timeouts,
 * socket reconnects) land in the same JSON stream, scrubbed of secrets like every other line.
 * The level stays ours: Bolt calls setLevel(INFO) when constructed, which must not undo LOG_LEVEL.
 */
export function toBoltLogger(logger: Logger): BoltLogger {
  const write =
    (level: Level) =>
    (...args: unknown[]) => {
      // Bolt logs at debug on every request; formatting a line nobody will see is wasted work.
      if (!logger.isLevelEnabled(level)) return;
      const err = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map((a) => (typeof a === 'string' ? a : safeJson(a)))
        .join(' ');
      logger[level](err ? { err } : {}, text || err?.message || '(bolt)');
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => {},
    setName: () => {},
    getLevel: () => boltLevelOf(logger.level),
  };
}

function boltLevelOf(level: string): LogLevel {
  if (level === 'trace' || level === 'debug') return LogLevel.DEBUG;
  if (level === 'info') return LogLevel.INFO;
  if (level === 'warn') return LogLevel.WARN;
  return LogLevel.ERROR;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
