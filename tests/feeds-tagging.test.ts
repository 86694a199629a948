import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { compileTopics, tagItem } from '../src/core/feeds/tag.js';
import { foldTokens } from '../src/core/feeds/text.js';
import { scanTags } from './helpers/scan-tags.js';

const labelledSchema = z.object({
  items: z.array(z.object({ title: z.string(), summary: z.string(), topics: z.array(z.string()) })).min(80),
});

const root = join(import.meta.dirname, '..');
const library = new BriefLibrary(join(root, 'briefs'));
library.load();
const topics = compileTopics(library.list());

describe('tagging with the briefs’ match rules', () => {
  it('given a rule set, then matching is case-, accent- and whole-word-insensitive with prefixes and phrases', () => {
    const rules = compileTopics([
      {
        topic: 't',
        match: {
          all: [
            ['colombia*', 'bogota'],
            ['belt and road', 'otan'],
          ],
          none: ['bone china'],
        },
      },
    ]);
    const tag = (title: string) => tagItem({ title, summary: '' }, rules).map((t) => t.terms);
    expect(tag('COLOMBIANOS y la OTAN')).toEqual([['colombia*', 'otan']]);
    expect(tag('Bogotá joins the Belt-and-Road')).toEqual([['bogota', 'belt and road']]);
    expect(tag('Bogotano in Otanto')).toEqual([]);
    expect(tag('Belt and Road in Bogotá bone china')).toEqual([]);
    // In the summary too: the word that tells a friendly match or another Petro apart is often there.
    expect(tagItem({ title: 'Bogotá joins the Belt and Road', summary: 'A state dinner on bone china.' }, rules)).toEqual([]);
    expect(tagItem({ title: 'Bogotá y la OTAN', summary: '' }, rules, ['other'])).toEqual([]);
  });

  it('given ASCII or any other text, then the ASCII shortcut folds words exactly as the Unicode path does', () => {
    // The Unicode path, as it folds text that is not ASCII.
    const unicode = (text: string) =>
      text
        .normalize('NFD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((t) => t.length > 0);
    const ascii = fc.string({
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ unit: 'grapheme', maxLength: 30 })), (text) => {
        expect(foldTokens(text)).toEqual(unicode(text));
      }),
      { numRuns: 2000 },
    );
    expect(foldTokens("Petro's NATO-partner, 2025")).toEqual(['petro', 's', 'nato', 'partner', '2025']);
  });

  it('given any text and any rules, then tagging finds the terms a scan of the folded words finds', () => {
    // Words with accents, case, digits, non-Latin scripts and a prefix of another word, so terms
    // and texts share words often and near misses are common.
    const words = ['colombia', 'Colombianos', 'bogotá', 'BOGOTA', 'otan', 'nato', 'belt', 'road', 'and', 'ruta', 'seda', '2025', 'x', 'İstanbul', 'Straße', '中国', 'ñandú'];
    const word = fc.constantFrom(...words);
    const term = fc
      .tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([ws, prefix]) => `${ws.join(' ')}${prefix ? '*' : ''}`);
    const rules = fc.array(
      fc.record({
        topic: fc.constantFrom('a', 'b', 'c'),
        match: fc.record({
          all: fc.array(fc.array(term, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
          none: fc.array(term, { maxLength: 2 }),
        }),
      }),
      { minLength: 1, maxLength: 3 },
    );
    const separator = fc.constantFrom(' ', '-', "'", ', ', '.', '\u0301', '_', '');
    const text = fc
      .array(fc.tuple(fc.oneof(word, word.map((w) => w.toUpperCase()), fc.string({ maxLength: 3 })), separator), { maxLength: 12 })
      .map((parts) => parts.map(([w, sep]) => w + sep).join(''));
    fc.assert(
      fc.property(rules, text, text, (r, title, summary) => {
        expect(tagItem({ title, summary }, compileTopics(r))).toEqual(scanTags({ title, summary }, r));
      }),
      { numRuns: 500 },
    );
  });

  it('given the labelled set, then precision and recall are at least 0.9 for every topic', () => {
    const { items } = labelledSchema.parse(
      parse(readFileSync(join(root, 'tests/fixtures/feeds/labelled.yaml'), 'utf8')),
    );
    const lines: string[] = [];
    for (const topic of topics.map((t) => t.topic)) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const item of items) {
        const got = tagItem(item, topics).some((t) => t.topic === topic);
        const want = item.topics.includes(topic);
        if (got && want) tp++;
        else if (got) {
          fp++;
          lines.push(`  false positive ${topic}: ${item.title}`);
        } else if (want) {
          fn++;
          lines.push(`  missed ${topic}: ${item.title}`);
        }
      }
      const precision = tp / (tp + fp || 1);
      const recall = tp / (tp + fn || 1);
      lines.unshift(
        `${topic}: precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`,
      );
      expect.soft(precision, topic).toBeGreaterThanOrEqual(0.9);
      expect.soft(recall, topic).toBeGreaterThanOrEqual(0.9);
    }
    console.log(`tagging, ${items.length} labelled items\n${lines.join('\n')}`);
  });
});
