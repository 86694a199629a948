import { foldTokens } from './text.js';

/**
 * Words that say nothing about which story a headline tells: function words and reporting verbs in
 * English and Spanish. Kept short on purpose; the weighting below does the rest.
 */
const STOPWORDS = new Set(
  `a an the of in on at to for from by with and or but as is are was were be been its it this that
  after over into than then not no new says said say tells told report reports amid could would will
  s us u el la los las un una unos unas de del al a en con por para y o e u que se su sus es son fue
  ser como mas más tras ante sobre sin dice dijo afirma asegura segun según este esta estos estas lo le`.split(
    /\s+/,
  ),
);

export interface ClusterOptions {
  /** Weighted Dice similarity at or above which two titles tell the same story. */
  threshold: number;
  /** Only stories published this close together can be one story. */
  windowMs: number;
  /** Tokens every item of a topic shares (the briefs' match terms): they count half. */
  anchors: ReadonlySet<string>;
}

export const DEFAULT_CLUSTER_OPTIONS: Omit<ClusterOptions, 'anchors'> = {
  threshold: 0.6,
  windowMs: 48 * 3600_000,
};

export function titleTokens(title: string): Set<string> {
  return new Set(
    foldTokens(title)
      .filter((t) => !STOPWORDS.has(t) && (t.length > 1 || /\d/.test(t)))
      // Plural and singular of one word are one token: "talks"/"talk", "acuerdos"/"acuerdo".
      .map((t) => (t.length > 4 && t.endsWith('s') ? t.slice(0, -1) : t)),
  );
}

const weight = (t: string, anchors: ReadonlySet<string>) => (anchors.has(t) ? 0.5 : 1);

function weightedSize(tokens: Set<string>, anchors: ReadonlySet<string>): number {
  let size = 0;
  for (const t of tokens) size += weight(t, anchors);
  return size;
}

/** Dice coefficient over token sets, with anchor tokens weighted 0.5 so topic words alone never merge stories. */
export function similarity(a: Set<string>, b: Set<string>, anchors: ReadonlySet<string>): number {
  return dice(a, weightedSize(a, anchors), b, weightedSize(b, anchors), anchors);
}

function dice(a: Set<string>, sizeA: number, b: Set<string>, sizeB: number, anchors: ReadonlySet<string>): number {
  if (sizeA + sizeB === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += weight(t, anchors);
  return (2 * shared) / (sizeA + sizeB);
}

export interface ClusterMember {
  clusterId: number;
  title: string;
  publishedAt: Date;
}

/**
 * The clusters of a time window in memory. Each new title is compared only with the members that
 * could reach the threshold: those sharing a token with the title's rarest tokens (a prefix filter
 * over an inverted index), which finds exactly what comparing with every member would.
 */
export class ClusterIndex {
  private readonly members: (ClusterMember & { tokens: Set<string>; size: number; at: number })[] = [];
  /** Token → indexes into `members` of the titles that have it, ascending. */
  private readonly postings = new Map<string, number[]>();

  constructor(
    private readonly options: ClusterOptions,
    initial: ClusterMember[] = [],
  ) {
    for (const m of initial) this.add(m);
  }

  add(member: ClusterMember): void {
    const tokens = titleTokens(member.title);
    const size = weightedSize(tokens, this.options.anchors);
    const index = this.members.push({ ...member, tokens, size, at: member.publishedAt.getTime() }) - 1;
    for (const t of tokens) {
      const list = this.postings.get(t);
      if (list) list.push(index);
      else this.postings.set(t, [index]);
    }
  }

  /** The cluster telling the same story as this title, if any: the most similar member above the threshold. */
  find(title: string, publishedAt: Date): { clusterId: number; score: number } | undefined {
    const tokens = titleTokens(title);
    const { anchors, threshold: t, windowMs } = this.options;
    const size = weightedSize(tokens, anchors);
    const at = publishedAt.getTime();
    // Dice ≥ t needs the two weighted sizes within a factor (2 − t)/t of each other.
    const [minSize, maxSize] = t > 0 ? [(size * t) / (2 - t) - 1e-9, (size * (2 - t)) / t + 1e-9] : [0, Infinity];
    let best: { clusterId: number; score: number } | undefined;
    for (const i of this.candidates(tokens)) {
      const m = this.members[i]!;
      if (Math.abs(m.at - at) > windowMs || m.size < minSize || m.size > maxSize) continue;
      const score = dice(tokens, size, m.tokens, m.size, anchors);
      if (score >= t && (!best || score > best.score)) best = { clusterId: m.clusterId, score };
    }
    return best;
  }

  /**
   * Members, in insertion order (ties keep going to the earliest), that can score ≥ threshold t.
   * Dice ≥ t with shared weight S ≤ size(B) means S ≥ t·size(A)/(2 − t): a member must share a
   * token with any subset of A's tokens whose leftover weight is below that. Taking the rarest
   * tokens first keeps the lists to merge short.
   */
  private candidates(tokens: Set<string>): Iterable<number> {
    const t = this.options.threshold;
    if (t <= 0 || t >= 2) return this.members.keys();
    const w = (token: string) => (this.options.anchors.has(token) ? 0.5 : 1);
    const sorted = [...tokens].sort(
      (a, b) => (this.postings.get(a)?.length ?? 0) - (this.postings.get(b)?.length ?? 0),
    );
    let rest = sorted.reduce((sum, token) => sum + w(token), 0);
    const needed = (t * rest) / (2 - t) - 1e-9;
    const found = new Set<number>();
    for (const token of sorted) {
      if (rest < needed) break;
      rest -= w(token);
      for (const i of this.postings.get(token) ?? []) found.add(i);
    }
    return [...found].sort((a, b) => a - b);
  }
}
