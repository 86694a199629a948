import type { TopicRules } from '../../src/core/feeds/tag.js';
import { foldTokens } from '../../src/core/feeds/text.js';

/**
 * Tagging as it was first written, for reference: fold the text into words, then look for each
 * term's words in order among them. The first term of a group, in the brief's order, that occurs.
 */
export function scanTags(text: { title: string; summary: string }, rules: TopicRules[]): { topic: string; terms: string[] }[] {
  const words = foldTokens(`${text.title} \n ${text.summary}`);
  const compile = (term: string) => {
    const prefix = term.trim().endsWith('*');
    return { term, tokens: foldTokens(prefix ? term.trim().slice(0, -1) : term), prefix };
  };
  const occurs = ({ tokens, prefix }: ReturnType<typeof compile>) =>
    words.some((_, i) =>
      tokens.every((t, j) => {
        const w = words[i + j];
        return w !== undefined && (j === tokens.length - 1 && prefix ? w.startsWith(t) : w === t);
      }),
    );
  const tags: { topic: string; terms: string[] }[] = [];
  for (const { topic, match } of rules) {
    const groups = match.all.map((g) => g.map(compile).filter((t) => t.tokens.length > 0));
    if (groups.length === 0) continue;
    const hits = groups.map((g) => g.find(occurs));
    if (hits.some((h) => h === undefined)) continue;
    if (match.none.map(compile).some((t) => t.tokens.length > 0 && occurs(t))) continue;
    tags.push({ topic, terms: hits.map((h) => h!.term) });
  }
  return tags;
}
