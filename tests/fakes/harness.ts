import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';
import { type Core, createCore } from '../../src/app.js';
import { type Config, secretsOf } from '../../src/config.js';
import type { CommandModule } from '../../src/core/commands/types.js';
import { createLogger } from '../../src/logger.js';

/** Log lines as parsed JSON, to assert on what the bot logged. */
export class LogSink extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of String(chunk).split('\n').filter(Boolean)) this.lines.push(JSON.parse(line));
    done();
  }
  matching(text: string): Record<string, unknown>[] {
    return this.lines.filter((l) => JSON.stringify(l).includes(text));
  }
}

/**
 * A library crash (an unhandled rejection inside discord.js or Bolt) fails the test it happened in,
 * with its message, instead of killing the runner. Call once per test file.
 */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
    expect(seen.map((r) => (r instanceof Error ? r.stack : String(r)))).toEqual([]);
  });
}

/**
 * The bot's core as production builds it, logging into a LogSink, plus any commands a test adds
 * (the command list is part of the context, so a test can add commands without touching ours).
 */
export function testCore(config: Config, extraCommands: CommandModule[] = []): { core: Core; logs: LogSink } {
  const logs = new LogSink();
  const base = createCore(config, createLogger(config.LOG_LEVEL, secretsOf(config), logs));
  const core: Core = { ...base, context: { ...base.context, commands: [...base.context.commands, ...extraCommands] } };
  return { core, logs };
}
