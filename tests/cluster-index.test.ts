import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterIndex, type ClusterMember, type ClusterOptions, similarity, titleTokens } from '../src/core/feeds/cluster.js';

/** What ClusterIndex.find answered before its inverted index: compare with every member, in order. */
function bruteForce(options: ClusterOptions, members: ClusterMember[], title: string, at: Date) {
  const tokens = titleTokens(title);
  let best: { clusterId: number; score: number } | undefined;
  for (const m of members) {
    if (Math.abs(m.publishedAt.getTime() - at.getTime()) > options.windowMs) continue;
    const score = similarity(tokens, titleTokens(m.title), options.anchors);
    if (score >= options.threshold && (!best || score > best.score)) best = { clusterId: m.clusterId, score };
  }
  return best;
}

// Few distinct words, so random titles overlap a lot: ties, near misses and anchors all happen.
const plainWords = ['colombia', 'nato', 'petro', 'talks', 'china', 'port', 'deal', 'bank', 'visit', 'tariff', 'oil', 'el', 'de', '2025'];
// Negations and countries too, which make two titles contrast however many words they share.
const words = [...plainWords, 'not', 'no', 'US', 'UN', 'U.S.'];
const title = fc.array(fc.constantFrom(...words), { minLength: 0, maxLength: 7 }).map((w) => w.join(' '));
const hour = fc.integer({ min: 0, max: 96 }).map((h) => new Date(Date.UTC(2025, 8, 1) + h * 3600_000));

describe('ClusterIndex (inverted index + prefix filter)', () => {
  it('finds exactly what comparing with every member finds, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ title, at: hour, cluster: fc.integer({ min: 1, max: 6 }) }), { maxLength: 30 }),
        title,
        hour,
        fc.constantFrom(0.3, 0.5, 0.6, 0.75, 1),
        fc.subarray(words),
        (raw, query, at, threshold, anchorList) => {
          const options: ClusterOptions = { threshold, windowMs: 48 * 3600_000, anchors: new Set(anchorList) };
          const members = raw.map((r) => ({ clusterId: r.cluster, title: r.title, publishedAt: r.at }));
          const index = new ClusterIndex(options, members);
          expect(index.find(query, at)).toEqual(bruteForce(options, members, query, at));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('given the same words in two stories, then the earliest member in the window decides, as a scan would', () => {
    const options: ClusterOptions = { threshold: 0.6, windowMs: 48 * 3600_000, anchors: new Set() };
    const hour = (h: number) => new Date(Date.UTC(2025, 8, 1) + h * 3600_000);
    const wire = 'Port deal signed in Cartagena';
    const members = [
      { clusterId: 1, title: wire, publishedAt: hour(0) },
      { clusterId: 2, title: 'Oil tariff talks stall', publishedAt: hour(1) },
      { clusterId: 3, title: wire, publishedAt: hour(40) },
    ];
    const index = new ClusterIndex(options, members);
    expect(index.find(wire, hour(41))).toEqual({ clusterId: 1, score: 1 });
    // Hour 0 is outside the window of hour 60: the later copy, in story 3, is the match.
    expect(index.find(wire, hour(60))).toEqual({ clusterId: 3, score: 1 });
    for (const at of [hour(41), hour(60)]) expect(index.find(wire, at)).toEqual(bruteForce(options, members, wire, at));
  });

  it('given a large window, then the index is built a slice at a time, so other work runs meanwhile, and finds what one built at once finds', async () => {
    const options: ClusterOptions = { threshold: 0.6, windowMs: 48 * 3600_000, anchors: new Set(['colombia']) };
    const at = new Date(Date.UTC(2025, 8, 1));
    const pick = (n: number, k: number) => plainWords[(n * 7 + k * 13) % plainWords.length];
    const members = Array.from({ length: 20_000 }, (_, n) => ({
      clusterId: n % 500,
      title: `colombia ${pick(n, 1)} ${pick(n, 2)} ${pick(n, 3)} story${n % 2000} lead${n % 700}`,
      publishedAt: new Date(at.getTime() - (n % 60) * 3600_000),
    }));
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const built = await ClusterIndex.build(options, members, 1);
    clearInterval(timer);
    expect(turns).toBeGreaterThan(0);
    const atOnce = new ClusterIndex(options, members);
    let matched = 0;
    for (let q = 0; q < 200; q++) {
      const title = `colombia ${pick(q, 2)} ${pick(q, 3)} story${q * 9} lead${q % 700}`;
      const found = atOnce.find(title, at);
      if (found) matched++;
      expect(built.find(title, at)).toEqual(found);
    }
    // Half the titles match a story, half do not: both answers are compared.
    expect(matched).toBeGreaterThan(50);
    expect(matched).toBeLessThan(150);
  });
});
