import { foldTokens } from './text.js';

/**
 * Words that say nothing about which story a headline tells: function words and reporting verbs in
 * English and Spanish. Kept short on purpose; the weighting below does the rest. Negations are not
 * among them: "will leave NATO" and "will not leave NATO" are two stories.
 */
const STOPWORDS = new Set(
  `a an the of in on at to for from by with and or but as is are was were be been its it this that
  after over into than then new says said say tells told report reports amid could would will
  s us u el la los las un una unos unas de del al a en con por para y o e u que se su sus es son fue
  ser como mas más tras ante sobre dice dijo afirma asegura segun según este esta estos estas lo le`.split(
    /\s+/,
  ),
);

/**
 * The United States and the United Nations by their capitals, before folding makes them the pronoun
 * "us" and the article "un" (stopwords): "UN condemns…" and "US condemns…" were one story. "U.S.",
 * "USA", "United States" and Spanish "EE.UU.", "Estados Unidos" are one country; "U.N.", "ONU" and
 * "Naciones Unidas" the UN. In a headline in capitals "UN" is Spanish "un" ("PETRO FIRMA UN ACUERDO").
 */
// One scan a title (this runs for every title clustered): "No. 2"/"Nº 2" (a number, not a
// negation), then the two bodies spelt out, dotted or abbreviated; case-sensitive where it matters.
const ACTOR_WORDS =
  /(?<![\p{L}\p{N}])(?:([Nn][Ooº]\.?\s*)(?=\d)|((?:[Uu]nited|UNITED) (?:[Ss]tates|STATES|[Nn]ations|NATIONS)|(?:[Ee]stados|ESTADOS) (?:[Uu]nidos|UNIDOS)|(?:[Nn]aciones|NACIONES) (?:[Uu]nidas|UNIDAS)|U\.S\.(?:A\.)?|USA?|EE\.\s?UU\.?|EEUU|U\.N\.|UN|ONU)(?![\p{L}\p{N}]))/gu;

function spellActors(title: string): string {
  return title.replace(ACTOR_WORDS, (m: string, numberSign: string | undefined) => {
    if (numberSign !== undefined) return ' number ';
    if (m === 'UN' && title === title.toUpperCase()) return m;
    return m === 'UN' || m === 'U.N.' || m === 'ONU' || /ations|ATIONS|aciones|ACIONES/.test(m) ? ' unitednations ' : ' unitedstates ';
  });
}

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

// Plural and singular of one word are one token: "talks"/"talk", "acuerdos"/"acuerdo".
const singular = (t: string) => (t.length > 4 && t.endsWith('s') ? t.slice(0, -1) : t);

export function titleTokens(title: string): Set<string> {
  return new Set(
    foldTokens(spellActors(title))
      .filter((t) => !STOPWORDS.has(t) && (t.length > 1 || /\d/.test(t)))
      .map(singular)
      .map((t) => ALIASES.get(t) ?? t),
  );
}

/**
 * A country by its people or its capital, as headlines name it ("Colombian goods", "Washington
 * decertifies"): one token with the country, so two reports of one story do not seem to name two
 * countries. Singular forms, as titleTokens makes them.
 */
const ALIASES = new Map<string, string>(
  Object.entries({
    colombia: 'colombian colombiano colombiana bogota',
    unitedstates: 'estadounidense washington',
    venezuela: 'venezuelan venezolano venezolana caracas',
    ecuador: 'ecuadorian ecuatoriano ecuatoriana quito',
    peru: 'peruvian peruano peruana lima',
    panama: 'panamanian panameno panamena',
    chile: 'chilean chileno chilena',
    argentina: 'argentine argentinian argentino',
    bolivia: 'bolivian boliviano boliviana',
    cuba: 'cuban cubano cubana havana habana',
    nicaragua: 'nicaraguan nicaraguense managua',
    honduras: 'honduran hondureno hondurena tegucigalpa',
    guatemala: 'guatemalan guatemalteco guatemalteca',
    mexico: 'mexican mexicano mexicana',
    canada: 'canadian canadiense ottawa',
    china: 'chinese chino china beijing pekin',
    israel: 'israeli',
    iran: 'iranian irani teheran tehran',
  }).flatMap(([country, names]) => names.split(' ').map((n) => [singular(n), singular(country)] as [string, string])),
);

const NEGATIONS = new Set(['not', 'no', 'never', 'nunca', 'jamas']);
/** Countries and bodies spelt alike in English and Spanish (once folded), and the two above. */
const ACTORS = new Set(
  `unitedstates unitednations colombia venezuela ecuador peru panama chile argentina bolivia cuba
  nicaragua honduras guatemala mexico canada china israel iran`
    .split(/\s+/)
    .map(singular),
);
/** What a token says about who did what: 1 a negation, 2 a country or body, 0 neither. */
const kindOf = (t: string) => (NEGATIONS.has(t) ? 1 : ACTORS.has(t) ? 2 : 0);

/**
 * Two titles that tell different stories however many words they share: one is negated and the
 * other not ("will leave NATO" / "will not leave NATO"), or each names a country or body the other
 * does not ("UN condemns…" / "US condemns…"; "Colombia and China sign…" / "Colombia and the US sign…").
 */
export function contrasts(a: Set<string>, b: Set<string>): boolean {
  let negA = false;
  let negB = false;
  let onlyA = false;
  let onlyB = false;
  for (const t of a) {
    const k = kindOf(t);
    if (k === 1) negA = true;
    else if (k === 2 && !b.has(t)) onlyA = true;
  }
  for (const t of b) {
    const k = kindOf(t);
    if (k === 1) negB = true;
    else if (k === 2 && !a.has(t)) onlyB = true;
  }
  return negA !== negB || (onlyA && onlyB);
}

const weight = (t: string, anchors: ReadonlySet<string>) => (anchors.has(t) ? 0.5 : 1);

function weightedSize(tokens: Set<string>, anchors: ReadonlySet<string>): number {
  let size = 0;
  for (const t of tokens) size += weight(t, anchors);
  return size;
}

/**
 * Dice coefficient over token sets, with anchor tokens weighted 0.5 so topic words alone never merge
 * stories; 0 for titles that contrast.
 */
export function similarity(a: Set<string>, b: Set<string>, anchors: ReadonlySet<string>): number {
  if (contrasts(a, b)) return 0;
  return dice(a, weightedSize(a, anchors), b, weightedSize(b, anchors), anchors);
}

function dice(a: Set<string>, sizeA: number, b: Set<string>, sizeB: number, anchors: ReadonlySet<string>): number {
  if (sizeA + sizeB === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += weight(t, anchors);
  return (2 * shared) / (sizeA + sizeB);
}

export interface ClusterMember {
  /** The stored item's row id, when it has one: the index reads only newer rows when it catches up. */
  id?: number;
  clusterId: number;
  title: string;
  publishedAt: Date;
}

/** Grow a typed array to hold index `i`, doubling so appends stay amortised O(1). */
function room<T extends Float64Array | Uint32Array>(a: T, i: number, make: (n: number) => T): T {
  if (i < a.length) return a;
  const b = make(Math.max(64, a.length * 2, i + 1));
  b.set(a);
  return b;
}

/**
 * The clusters of a time window in memory. Each new title is compared only with the titles that
 * could reach the threshold: those sharing a token with the new title's rarest tokens (a prefix
 * filter over an inverted index), which finds exactly what comparing with every member would.
 *
 * Members with the same words (a wire story carried by many outlets) share one entry, compared
 * once. Tokens are interned to numbers and entries kept in flat arrays: a window of 50,000 titles
 * is a few MB, and a comparison is a walk over a handful of integers rather than a Set lookup per token.
 */
export class ClusterIndex {
  private readonly tokenIds = new Map<string, number>();
  /** Per token id: its weight, its kind (kindOf), and the entries that have it (ascending). */
  private readonly tokenWeight: number[] = [];
  private readonly tokenKind: number[] = [];
  private readonly postings: number[][] = [];
  /** Per member: its cluster and time. */
  private readonly clusterIds: number[] = [];
  private readonly at: number[] = [];
  /** Per entry (a distinct set of words): its token ids at tokens[start[e]..start[e + 1]), weighted size, members (ascending). */
  private readonly entryOf = new Map<string, number>();
  private readonly start: number[] = [0];
  private readonly tokens: number[] = [];
  private readonly size: number[] = [];
  private readonly members: number[][] = [];
  /** Stamps per entry (already considered) and per token (in the title being matched) for one find. */
  private seen = new Uint32Array(0);
  private inQuery = new Uint32Array(0);
  /** Per entry, during one find: the weight it shares with the title in the postings read so far. */
  private shared = new Float64Array(0);
  private lastTitle: { title: string; tokens: Set<string> } | undefined;
  private stamp = 0;
  /** Rows up to this id are all in the index (those the store had when it was built or caught up). */
  private watermark = 0;
  /** Rows above the watermark added through `add` (this process stored them): not to be added again. */
  private readonly own = new Set<number>();

  constructor(
    private readonly options: ClusterOptions,
    initial: ClusterMember[] = [],
  ) {
    for (const m of initial) {
      this.insert(m);
      this.watermark = Math.max(this.watermark, m.id ?? 0);
    }
  }

  /**
   * The index of a window's members, built a slice at a time: a poll builds it from tens of
   * thousands of stored titles (~0.4 s at 50,000), and commands must not wait behind that.
   */
  static async build(options: ClusterOptions, members: ClusterMember[], sliceMs = 5): Promise<ClusterIndex> {
    const index = new ClusterIndex(options);
    await index.catchUp(members, sliceMs);
    return index;
  }

  /** The highest row id the index has caught up to: the store's rows above it are news. */
  get caughtUpTo(): number {
    return this.watermark;
  }

  /**
   * Add the rows the store gained since `caughtUpTo` (stored by this process, already added, or by
   * another), a slice of `sliceMs` at a time.
   */
  async catchUp(members: ClusterMember[], sliceMs = 5): Promise<void> {
    let started = performance.now();
    let top = this.watermark;
    for (let i = 0; i < members.length; i++) {
      const m = members[i] as ClusterMember;
      if (m.id === undefined || !this.own.has(m.id)) this.insert(m);
      if (m.id !== undefined && m.id > top) top = m.id;
      if ((i & 255) === 255 && performance.now() - started > sliceMs) {
        await new Promise((resolve) => setImmediate(resolve));
        started = performance.now();
      }
    }
    this.watermark = top;
    this.own.clear();
  }

  /** A title just stored (or one that has no row): findable at once. */
  add(member: ClusterMember): void {
    if (member.id !== undefined && member.id > this.watermark) this.own.add(member.id);
    this.insert(member);
  }

  private insert(member: ClusterMember): void {
    const i = this.clusterIds.push(member.clusterId) - 1;
    this.at.push(member.publishedAt.getTime());
    const ids = [...this.tokenize(member.title)].map((token) => this.intern(token)).sort((a, b) => a - b);
    const key = ids.join(' ');
    let e = this.entryOf.get(key);
    if (e === undefined) {
      e = this.members.push([]) - 1;
      this.entryOf.set(key, e);
      let size = 0;
      for (const id of ids) {
        size += this.tokenWeight[id]!;
        this.tokens.push(id);
        this.postings[id]!.push(e);
      }
      this.size.push(size);
      this.start.push(this.tokens.length);
    }
    this.members[e]!.push(i);
  }

  /** The cluster telling the same story as this title, if any: the most similar member above the threshold. */
  find(title: string, publishedAt: Date): { clusterId: number; score: number } | undefined {
    const { threshold: t, windowMs } = this.options;
    const stamp = this.nextStamp();
    // Known tokens by rarity; a token no member has still counts in the title's size.
    const known: number[] = [];
    let size = 0;
    let knownWeight = 0;
    // For `contrasts`: whether the title is negated, and how many countries or bodies it names.
    let negated = false;
    let actors = 0;
    for (const token of this.tokenize(title)) {
      const w = weight(token, this.options.anchors);
      size += w;
      const kind = kindOf(token);
      if (kind === 1) negated = true;
      else if (kind === 2) actors++;
      const id = this.tokenIds.get(token);
      if (id === undefined) continue;
      known.push(id);
      knownWeight += w;
      this.inQuery[id] = stamp;
    }
    known.sort((a, b) => this.postings[a]!.length - this.postings[b]!.length);
    const at = publishedAt.getTime();
    // Dice ≥ t needs the two weighted sizes within a factor (2 − t)/t of each other.
    const [minSize, maxSize] = t > 0 ? [(size * t) / (2 - t) - 1e-9, (size * (2 - t)) / t + 1e-9] : [0, Infinity];
    let best = -1;
    let bestScore = 0;
    const consider = (e: number) => {
      const other = this.size[e]!;
      if (other < minSize || other > maxSize || size + other === 0) return;
      let shared = 0;
      let entryNegated = false;
      let entryOnlyActor = false;
      let sharedActors = 0;
      for (let k = this.start[e]!; k < this.start[e + 1]!; k++) {
        const id = this.tokens[k]!;
        const inQuery = this.inQuery[id] === stamp;
        if (inQuery) shared += this.tokenWeight[id]!;
        const kind = this.tokenKind[id];
        if (kind === 1) entryNegated = true;
        else if (kind === 2) {
          if (inQuery) sharedActors++;
          else entryOnlyActor = true;
        }
      }
      if (negated !== entryNegated || (entryOnlyActor && actors > sharedActors)) return;
      const score = (2 * shared) / (size + other);
      if (score < t || score < bestScore) return;
      // The entry's earliest member in the window; ties go to the earliest member, as a scan in
      // insertion order would.
      const i = this.members[e]!.find((m) => Math.abs(this.at[m]! - at) <= windowMs);
      if (i !== undefined && (best < 0 || score > bestScore || i < best)) {
        best = i;
        bestScore = score;
      }
    };
    if (t <= 0 || t >= 2) {
      for (let e = 0; e < this.members.length; e++) consider(e);
    } else {
      // Dice ≥ t with shared weight S ≤ size(B) means S ≥ t·size(A)/(2 − t): an entry must share a
      // token with any subset of A's tokens whose leftover weight is below that, so only the
      // postings of the rarest tokens need reading. What they share there is summed on the way.
      let rest = knownWeight;
      const needed = (t * size) / (2 - t) - 1e-9;
      const candidates: number[] = [];
      for (const id of known) {
        if (rest < needed) break;
        const w = this.tokenWeight[id]!;
        rest -= w;
        for (const e of this.postings[id]!) {
          if (this.seen[e] === stamp) {
            this.shared[e]! += w;
          } else {
            this.seen[e] = stamp;
            this.shared[e] = w;
            candidates.push(e);
          }
        }
      }
      // Beyond the postings read, an entry can share at most the weight of the tokens left unread:
      // that bound rules out nearly every candidate before the full comparison.
      for (const e of candidates) {
        if ((2 * (this.shared[e]! + rest)) / (size + this.size[e]!) >= t - 1e-9) consider(e);
      }
    }
    return best < 0 ? undefined : { clusterId: this.clusterIds[best]!, score: bestScore };
  }

  /** `find` and then `add` of one title is the common pair: tokenise it once. */
  private tokenize(title: string): Set<string> {
    if (this.lastTitle?.title !== title) this.lastTitle = { title, tokens: titleTokens(title) };
    return this.lastTitle.tokens;
  }

  private intern(token: string): number {
    let id = this.tokenIds.get(token);
    if (id === undefined) {
      id = this.tokenWeight.push(weight(token, this.options.anchors)) - 1;
      this.tokenKind.push(kindOf(token));
      this.tokenIds.set(token, id);
      this.postings.push([]);
    }
    return id;
  }

  private nextStamp(): number {
    this.seen = room(this.seen, this.members.length, (n) => new Uint32Array(n));
    this.shared = room(this.shared, this.members.length, (n) => new Float64Array(n));
    this.inQuery = room(this.inQuery, this.tokenWeight.length, (n) => new Uint32Array(n));
    // 2^32 finds would wrap the stamp; start the marks afresh then.
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.inQuery.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }
}
