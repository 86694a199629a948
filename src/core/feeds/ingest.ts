import type { ClusterIndex } from './cluster.js';
import type { FeedStore, TaggedItem } from './store.js';

export interface IngestCounts {
  newItems: number;
  duplicates: number;
  /** Items another feed stored first that this one tagged with a topic they lacked. */
  retagged: number;
  /** Items this feed sent before that it changed since (a corrected headline or summary). */
  corrected: number;
  tagged: number;
  newClusters: number;
  /** New items that joined a story another item already told. */
  joinedClusters: number;
}

/**
 * Cluster and store one feed's items, tagged already (prepare.ts). Callers run this for one feed at a
 * time: clustering reads what the previous feed just wrote.
 *
 * Items are first seen when they are stored (`now()` read under the store's write lock), not when
 * their feed was fetched: a digest composed between the two would otherwise miss them for good,
 * since the next digest only looks after its slot.
 */
export async function ingestItems(
  items: TaggedItem[],
  deps: { store: FeedStore; clusters: ClusterIndex; now: () => Date },
): Promise<IngestCounts> {
  const counts: IngestCounts = { newItems: 0, duplicates: 0, retagged: 0, corrected: 0, tagged: 0, newClusters: 0, joinedClusters: 0 };
  const { duplicates, retagged, corrected } = await deps.store.storeItems(
    items,
    (item) => deps.clusters.find(item.title, item.publishedAt)?.clusterId,
    ({ id, item, clusterId, joined }) => {
      deps.clusters.add({ id, clusterId, title: item.title, publishedAt: item.publishedAt });
      counts.newItems++;
      if (item.tags.length > 0) counts.tagged++;
      if (joined) counts.joinedClusters++;
      else counts.newClusters++;
    },
    deps.now,
  );
  counts.duplicates = duplicates;
  counts.retagged = retagged;
  counts.corrected = corrected;
  return counts;
}
