import type { MatchRules } from '../briefs/schema.js';
import { foldTokens } from './text.js';
import type { TopicTag } from './types.js';

export interface TopicRules {
  topic: string;
  match: MatchRules;
}

interface CompiledTerm {
  term: string;
  tokens: string[];
  /** The last token matches as a prefix (the term ended in *). */
  prefix: boolean;
}

export interface CompiledTopic {
  topic: string;
  all: CompiledTerm[][];
  none: CompiledTerm[];
}

function compileTerm(term: string): CompiledTerm {
  const prefix = term.trim().endsWith('*');
  return { term, tokens: foldTokens(prefix ? term.trim().slice(0, -1) : term), prefix };
}

/** Compile once per brief load; tagging then runs over tokens only. */
export function compileTopics(rules: TopicRules[]): CompiledTopic[] {
  return rules.map((r) => ({
    topic: r.topic,
    all: r.match.all.map((group) => group.map(compileTerm).filter((t) => t.tokens.length > 0)),
    none: r.match.none.map(compileTerm).filter((t) => t.tokens.length > 0),
  }));
}

/** An item's words, in order and as a set: most terms are one word, and a set answers those at once. */
interface Words {
  list: string[];
  set: Set<string>;
}

function occursIn(term: CompiledTerm, { list: words, set }: Words): boolean {
  const n = term.tokens.length;
  // Every occurrence starts with the first token, whole unless it is also the prefix-matched last one.
  if (!(n === 1 && term.prefix) && !set.has(term.tokens[0] as string)) return false;
  if (n === 1 && !term.prefix) return true;
  for (let i = 0; i + n <= words.length; i++) {
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      const w = words[i + j] as string;
      const t = term.tokens[j] as string;
      ok = j === n - 1 && term.prefix ? w.startsWith(t) : w === t;
    }
    if (ok) return true;
  }
  return false;
}

/**
 * The topics an item is about: every `all` group has a matching term and no `none` term occurs.
 * Matching is on folded word tokens, so it is case- and accent-insensitive and whole-word; a
 * multi-word term matches consecutive words. A topic without `all` groups never tags (no rules,
 * no claims). `allowed` is the feed's topic restriction.
 */
export function tagItem(
  text: { title: string; summary: string },
  topics: CompiledTopic[],
  allowed?: readonly string[],
): TopicTag[] {
  const list = foldTokens(`${text.title} \n ${text.summary}`);
  const words: Words = { list, set: new Set(list) };
  const tags: TopicTag[] = [];
  for (const topic of topics) {
    if (allowed && !allowed.includes(topic.topic)) continue;
    if (topic.all.length === 0) continue;
    const terms: string[] = [];
    for (const group of topic.all) {
      const hit = group.find((t) => occursIn(t, words));
      if (!hit) break;
      terms.push(hit.term);
    }
    if (terms.length !== topic.all.length) continue;
    if (topic.none.some((t) => occursIn(t, words))) continue;
    tags.push({ topic: topic.topic, terms });
  }
  return tags;
}
