import type { DigestTarget } from '../../core/digests/outbox.js';
import { renderText } from './render.js';

/** Digests "posted" into the terminal chat of the demo. */
export function terminalDigestTarget(output: NodeJS.WritableStream): DigestTarget {
  let sent = 0;
  return {
    platform: 'local',
    renderPages: (reply) => [renderText(reply)],
    async send(channelId, page) {
      output.write(`\n[digest posted in #${channelId}]\n${String(page)}\n`);
      return { messageId: `local-${++sent}` };
    },
  };
}
