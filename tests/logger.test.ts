import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { toBoltLogger } from '../src/platforms/slack/bolt-logger.js';

function capture(level: string, secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger(level, secrets, sink), lines };
}

describe('logger', () => {
  it('redacts token fields and Slack client request headers by path, and secret values anywhere', () => {
    const { logger, lines } = capture('info', ['xoxb-secret-value']);
    logger.info({ token: 'abc', signingSecret: 'def', appToken: 'xapp-1' }, 'fields');
    logger.error({ err: { message: 'http 500', config: { headers: { Authorization: 'Bearer xyz', authorization: 'Bearer xyz' } } } }, 'axios-style error');
    logger.warn({ detail: 'the server echoed xoxb-secret-value back' }, 'echo');
    const text = JSON.stringify(lines);
    expect(lines).toHaveLength(3);
    for (const secret of ['abc', 'def', 'xapp-1', 'Bearer xyz', 'xoxb-secret-value']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: '[redacted]', signingSecret: '[redacted]', appToken: '[redacted]' });
  });

  it("Bolt's lines land in our log at our level, an error as err", () => {
    const quiet = capture('info');
    const bolt = toBoltLogger(quiet.logger);
    bolt.debug('ack() call begins', { body: 1 });
    bolt.warn('socket reconnecting', new Error('ECONNRESET'));
    expect(quiet.lines).toHaveLength(1);
    expect(quiet.lines[0]).toMatchObject({ level: 40, msg: 'socket reconnecting', err: { message: 'ECONNRESET' } });

    const verbose = capture('debug');
    toBoltLogger(verbose.logger).debug('ack() call begins', { body: 1 });
    expect(verbose.lines).toMatchObject([{ level: 20, msg: 'ack() call begins {"body":1}' }]);
  });
});
