import type { TopicRules } from '../../src/core/feeds/tag.js';
import { foldTokens } from '../../src/core/feeds/text.js';

const compile = (term: string) => {
  const prefix = term.trim().endsWith('*');
  return { term, tokens: foldTokens(prefix ? term.trim().slice(0, -1) : term), prefix };
};

/** Whether a term's words occur in order among `words` (the last may be a prefix). */
const occursIn =
  (words: string[]) =>
  ({ tokens, prefix }: ReturnType<typeof compile>) =>
    words.some((_, i) =>
      tokens.every((t, j) => {
        const w = words[i + j];
        return w !== undefined && (j === tokens.length - 1 && prefix ? w.startsWith(t) : w === t);
      }),
    );

/**
 * Tagging as it was first written, for reference: fold the text into words, then look for each
 * term's words in order among them. The first term of a group, in the brief's order, that occurs.
 * A `none` term vetoes in the title, and in the summary unless the title alone matches every group.
 */
export function scanTags(text: { title: string; summary: string }, rules: TopicRules[]): { topic: string; terms: string[] }[] {
  const whole = foldTokens(`${text.title} \n ${text.summary}`);
  const title = foldTokens(text.title);
  const tags: { topic: string; terms: string[] }[] = [];
  for (const { topic, match } of rules) {
    const groups = match.all.map((g) => g.map(compile).filter((t) => t.tokens.length > 0));
    if (groups.length === 0) continue;
    const none = match.none.map(compile).filter((t) => t.tokens.length > 0);
    const hits = (words: string[]) => groups.map((g) => g.find(occursIn(words)));
    const inWhole = hits(whole);
    if (inWhole.some((h) => h === undefined)) continue;
    if (!none.some(occursIn(whole))) {
      tags.push({ topic, terms: inWhole.map((h) => h!.term) });
      continue;
    }
    if (none.some(occursIn(title))) continue;
    const inTitle = hits(title);
    if (inTitle.some((h) => h === undefined)) continue;
    tags.push({ topic, terms: inTitle.map((h) => h!.term) });
  }
  return tags;
}
