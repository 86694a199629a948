import type { FeedStore } from '../../src/core/feeds/store.js';
import type { FeedItem, TopicTag } from '../../src/core/feeds/types.js';

/**
 * One item stored the way a poll stores items (`storeItems`): into `clusterId`, or a new cluster.
 * Returns the cluster it went into, or undefined when the store already had it.
 */
export async function storeItem(
  store: FeedStore,
  item: FeedItem,
  tags: TopicTag[] = [],
  clusterId?: number,
): Promise<number | undefined> {
  let into: number | undefined;
  await store.storeItems(
    [{ ...item, tags }],
    () => clusterId,
    (s) => {
      into = s.clusterId;
    },
  );
  return into;
}
