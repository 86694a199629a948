import type { MatchRules } from '../briefs/schema.js';
import { fold, foldTokens, isAscii } from './text.js';
import type { TopicTag } from './types.js';

export interface TopicRules {
  topic: string;
  match: MatchRules;
}

/** A term as two patterns over folded text: one for ASCII text, one for any text. */
interface Matcher {
  ascii: RegExp;
  unicode: RegExp;
}

interface CompiledTerm extends Matcher {
  term: string;
}

interface CompiledGroup {
  terms: CompiledTerm[];
  /** Any of the group's terms: one scan rules out an item that matches none. */
  any: Matcher;
}

export interface CompiledTopic {
  topic: string;
  all: CompiledGroup[];
  /** Any `none` term; undefined when there are none. */
  none: Matcher | undefined;
}

/** Never matches: a term with a word outside ASCII cannot occur in ASCII text. */
const NEVER = /(?!)/;

const literal = (token: string) => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whole words as `foldTokens` splits them, in folded text: the tokens in order, separated by
 * anything that is not a letter or digit, and not part of a longer word (the last may be a prefix).
 */
function pattern(tokens: string[], prefix: boolean, word: string): string {
  const body = tokens.map(literal).join(`[^${word}]+`);
  return `(?<![${word}])${body}${prefix ? '' : `(?![${word}])`}`;
}

function matcher(patterns: { tokens: string[]; prefix: boolean }[]): Matcher {
  const asciiOnes = patterns.filter((p) => p.tokens.every(isAscii));
  return {
    ascii: asciiOnes.length ? new RegExp(asciiOnes.map((p) => pattern(p.tokens, p.prefix, 'a-z0-9')).join('|')) : NEVER,
    unicode: new RegExp(patterns.map((p) => pattern(p.tokens, p.prefix, '\\p{L}\\p{N}')).join('|'), 'u'),
  };
}

function compileTerm(term: string): { term: string; tokens: string[]; prefix: boolean } {
  const prefix = term.trim().endsWith('*');
  return { term, tokens: foldTokens(prefix ? term.trim().slice(0, -1) : term), prefix };
}

/** Compile once per brief load; tagging then runs a few regular expressions over folded text. */
export function compileTopics(rules: TopicRules[]): CompiledTopic[] {
  return rules.map((r) => {
    const groups = r.match.all.map((group) => group.map(compileTerm).filter((t) => t.tokens.length > 0));
    const none = r.match.none.map(compileTerm).filter((t) => t.tokens.length > 0);
    return {
      topic: r.topic,
      // A group left without terms can never match, as before: its `any` matches nothing.
      all: groups.map((terms) => ({
        terms: terms.map((t) => ({ term: t.term, ...matcher([t]) })),
        any: terms.length ? matcher(terms) : { ascii: NEVER, unicode: NEVER },
      })),
      none: none.length ? matcher(none) : undefined,
    };
  });
}

/**
 * The topics an item is about: every `all` group has a matching term and no `none` term occurs.
 * Matching is on folded words, so it is case- and accent-insensitive and whole-word; a multi-word
 * term matches consecutive words. A topic without `all` groups never tags (no rules, no claims).
 * `allowed` is the feed's topic restriction. Each group reports its first term (in the brief's
 * order) that occurs.
 */
export function tagItem(
  text: { title: string; summary: string },
  topics: CompiledTopic[],
  allowed?: readonly string[],
): TopicTag[] {
  const { folded, ascii } = fold(`${text.title} \n ${text.summary}`);
  const kind = ascii ? 'ascii' : 'unicode';
  const tags: TopicTag[] = [];
  for (const topic of topics) {
    if (allowed && !allowed.includes(topic.topic)) continue;
    if (topic.all.length === 0) continue;
    const terms: string[] = [];
    for (const group of topic.all) {
      if (!group.any[kind].test(folded)) break;
      const hit = group.terms.length === 1 ? group.terms[0] : group.terms.find((t) => t[kind].test(folded));
      if (!hit) break;
      terms.push(hit.term);
    }
    if (terms.length !== topic.all.length) continue;
    if (topic.none?.[kind].test(folded)) continue;
    tags.push({ topic: topic.topic, terms });
  }
  return tags;
}
