import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type FrontMatter, frontMatterSchema } from './schema.js';

/** A brief's YAML front matter, checked by the schema, each problem pinned to its line. */
export interface FrontMatterResult {
  data: FrontMatter;
  sourceLines: Map<string, number>;
}

/**
 * The front matter, when it is valid; and the topic it names whenever that one field is valid, so a
 * broken brief still tells which topic it is about (the feeds that name it are not misreported).
 */
export function parseFrontMatter(
  text: string,
  firstLine: number,
  at: (line: number, message: string) => void,
): { front?: FrontMatterResult; topic?: string; topicLine?: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  const declared = topicLine(text, firstLine);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) at(lineOf(e.pos[0]), `YAML: ${yamlProblem(e.code, e.message)}`);
    // The topic is still read from its own line, so feeds naming it are not blamed for this typo.
    return declared;
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    at(firstLine, 'front matter must be a YAML mapping (key: value lines)');
    return {};
  }
  const topic = frontMatterSchema.shape.topic.safeParse((raw as { topic?: unknown }).topic).data;
  const nodeLine = (path: PropertyKey[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as
        | { range?: [number] }
        | undefined;
      if (node?.range) return lineOf(node.range[0]);
    }
    return firstLine - 1;
  };
  const parsed = frontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path;
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          at(nodeLine([...path, key]), `unknown field '${[...path, key].join('.')}'`);
        continue;
      }
      at(nodeLine(path), describeIssue(issue, raw));
    }
    return { topic, topicLine: declared.topicLine };
  }
  const sourceLines = new Map<string, number>();
  parsed.data.sources.forEach((s, i) => {
    sourceLines.set(s.id, nodeLine(['sources', i]));
  });
  return { front: { data: parsed.data, sourceLines }, topic, topicLine: declared.topicLine };
}

/** The line of the `topic:` key, and the topic on it when it is a valid one (read without YAML). */
function topicLine(text: string, firstLine: number): { topic?: string; topicLine?: number } {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => /^topic\s*:/.test(l));
  if (index < 0) return {};
  const value = /^topic\s*:\s*(["']?)([^"'\s#]+)\1\s*(#.*)?$/.exec(lines[index]!)?.[2];
  const topic = frontMatterSchema.shape.topic.safeParse(value).data;
  return { topic, topicLine: index + firstLine };
}

/** The YAML parser's message, or plain words for the mistakes moderators make. */
function yamlProblem(code: string, message: string): string {
  if (code === 'BLOCK_AS_IMPLICIT_KEY' && message.startsWith('Nested mappings')) {
    return `a value that contains ': ' must be in quotes, e.g. title: "Colombia and China: ties"`;
  }
  return firstSentence(message);
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const name = fieldName(issue.path, raw);
  const value = issue.path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    raw,
  );
  if (issue.code === 'invalid_type' && value === undefined) return `'${name}' is required`;
  if (issue.code === 'invalid_type')
    return `'${name}' must be a ${issue.expected}, not ${describeValue(value)}`;
  if (issue.code === 'too_big' && typeof value === 'string') {
    return `'${name}' is ${value.length} characters; the limit is ${String(issue.maximum)}`;
  }
  if (issue.code === 'too_small' && typeof value === 'string' && value.length === 0) {
    return `'${name}' is empty`;
  }
  const shown = typeof value === 'string' ? ` (${JSON.stringify(value.slice(0, 60))})` : '';
  return `'${name}' ${issue.message}${shown}`;
}

/** `sources.1.url` reads as `source s2 url` to a moderator. */
function fieldName(path: PropertyKey[], raw: unknown): string {
  if (path.length === 0) return 'front matter';
  if (path[0] === 'sources' && typeof path[1] === 'number') {
    const sources = (raw as { sources?: { id?: unknown }[] }).sources;
    const id = sources?.[path[1]]?.id;
    const which = typeof id === 'string' ? id : `#${path[1] + 1}`;
    return [`source ${which}`, ...path.slice(2).map(String)].join(' ');
  }
  // `match.all.1.0` reads as `match term`; its line says which one.
  if (path[0] === 'match' && path.length >= 3) return 'match term';
  return path.map(String).join('.');
}

function describeValue(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function firstSentence(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
}
