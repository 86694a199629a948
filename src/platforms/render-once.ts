import type { Reply } from '../core/reply.js';
import { deepFreeze } from '../core/frozen.js';

/**
 * Wrap a renderer so a frozen Reply (one the core hands out again for the same view) is rendered
 * once; the rendered message is frozen too, so no library that sends it can change the cached copy.
 * Replies built fresh for one answer are not frozen and are rendered every time.
 */
export function renderOnce<T extends object>(render: (reply: Reply) => T): (reply: Reply) => T {
  const done = new WeakMap<Reply, T>();
  return (reply) => {
    if (!Object.isFrozen(reply)) return render(reply);
    let rendered = done.get(reply);
    if (!rendered) {
      rendered = deepFreeze(render(reply));
      done.set(reply, rendered);
    }
    return rendered;
  };
}
