import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Problem } from './briefs/schema.js';

export interface YamlFile<T> {
  /** The file's content, when it reads, parses and passes the schema. */
  data?: T;
  /** What the YAML says, before the schema: for checks across entries that hold even when one entry is wrong. */
  raw?: unknown;
  problems: Problem[];
  /** The line of the value at `path` (1 where there is none), for problems found after the schema. */
  lineAt(path: (string | number)[]): number;
}

/**
 * A YAML file the moderators or operators edit (feeds.yaml, the subscriptions file), checked by a
 * zod schema, each problem pinned to the line of the value it is about: `path:line: message`.
 */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S, text?: string): YamlFile<z.infer<S>> {
  let source: string;
  try {
    source = text ?? readFileSync(path, 'utf8');
  } catch (err) {
    return { problems: [{ file: path, line: 0, message: `cannot read: ${(err as Error).message}` }], lineAt: () => 0 };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const rangeAt = (at: (string | number)[]) => (doc.getIn(at, true) as { range?: [number, number] } | undefined)?.range?.[0];
  const lineAt = (at: (string | number)[]) => lineOf(rangeAt(at));
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ file: path, line: lineOf(e.pos[0]), message: `YAML: ${e.message.split('\n')[0]}` }));
    return { problems, lineAt };
  }
  const raw: unknown = doc.toJS();
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { data: parsed.data, raw, problems: [], lineAt };
  const problems = parsed.error.issues.map((issue) => {
    const at = issue.path as (string | number)[];
    // An unknown key points at its own value, not at the mapping that holds it.
    const own = issue.code === 'unrecognized_keys' ? [...at, issue.keys[0] ?? ''] : at;
    return { file: path, line: lineOf(rangeAt(own) ?? rangeAt(at.slice(0, -1))), message: `${at.join('.') || 'file'}: ${issue.message}` };
  });
  return { raw, problems: problems.sort((a, b) => a.line - b.line), lineAt };
}

/**
 * Entries of the file's list `key` that repeat an earlier entry's `keyOf` (a feed's name, a
 * channel): read from the YAML as written, so they are named with the file's other mistakes, not
 * only once those are fixed. `first` is the earlier entry's index.
 */
export function repeatedEntries(
  raw: unknown,
  key: string,
  keyOf: (entry: Record<string, unknown>) => string | undefined,
): { index: number; first: number; entry: Record<string, unknown>; earlier: Record<string, unknown> }[] {
  const list = (raw as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, number>();
  const repeats: { index: number; first: number; entry: Record<string, unknown>; earlier: Record<string, unknown> }[] = [];
  list.forEach((item: unknown, index) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const k = keyOf(entry);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else repeats.push({ index, first, entry, earlier: list[first] as Record<string, unknown> });
  });
  return repeats;
}
