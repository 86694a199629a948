import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';

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
