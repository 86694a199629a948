import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  type Brief,
  type CitedText,
  type FrontMatter,
  frontMatterSchema,
  isTimelineDate,
  LIMITS,
  type Problem,
  type TimelineEntry,
} from './schema.js';

export interface ParseResult {
  brief?: Brief;
  problems: Problem[];
}

const SECTIONS = {
  summary: 'Summary',
  facts: 'Key facts',
  timeline: 'Timeline',
  watch: 'What to watch',
} as const;
type SectionKey = keyof typeof SECTIONS;
const REQUIRED: SectionKey[] = ['summary', 'facts', 'timeline'];
const MAX_FACTS = 10;
const CITATION = /\[(s\d+(?:\s*,\s*s\d+)*)\]/g;

/** Parse one brief file. A brief with any problem is not returned: callers keep the last good one. */
export function parseBrief(file: string, source: string): ParseResult {
  const problems: Problem[] = [];
  const at = (line: number, message: string) => problems.push({ file, line, message });
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);

  if (lines[0]?.trim() !== '---') {
    at(1, "a brief must start with '---' and YAML front matter");
    return { problems };
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (close < 0) {
    at(1, "front matter is not closed: add a line '---' after it");
    return { problems };
  }

  const front = parseFrontMatter(lines.slice(1, close).join('\n'), 2, at);
  const body = parseBody(lines.slice(close + 1), close + 2, at);
  if (!front || !body) return { problems };

  checkCitations(front.data, front.sourceLines, body, at);
  if (problems.length > 0) return { problems };
  return { brief: { ...front.data, file, ...body }, problems };
}

interface FrontMatterResult {
  data: FrontMatter;
  sourceLines: Map<string, number>;
}

function parseFrontMatter(
  text: string,
  firstLine: number,
  at: (line: number, message: string) => void,
): FrontMatterResult | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  if (doc.errors.length > 0) {
    for (const e of doc.errors) at(lineOf(e.pos[0]), `YAML: ${firstSentence(e.message)}`);
    return undefined;
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    at(firstLine, 'front matter must be a YAML mapping (key: value lines)');
    return undefined;
  }
  const nodeLine = (path: PropertyKey[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number] } | undefined;
      if (node?.range) return lineOf(node.range[0]);
    }
    return firstLine - 1;
  };
  const parsed = frontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path;
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) at(nodeLine([...path, key]), `unknown field '${[...path, key].join('.')}'`);
        continue;
      }
      at(nodeLine(path), describeIssue(issue, raw));
    }
    return undefined;
  }
  const sourceLines = new Map<string, number>();
  parsed.data.sources.forEach((s, i) => {
    sourceLines.set(s.id, nodeLine(['sources', i]));
  });
  return { data: parsed.data, sourceLines };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const name = fieldName(issue.path, raw);
  const value = issue.path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    raw,
  );
  if (issue.code === 'invalid_type' && value === undefined) return `'${name}' is required`;
  if (issue.code === 'invalid_type') return `'${name}' must be a ${issue.expected}, not ${describeValue(value)}`;
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

type Body = Pick<Brief, 'summary' | 'facts' | 'timeline' | 'watch'>;

function parseBody(
  lines: string[],
  firstLine: number,
  at: (line: number, message: string) => void,
): Body | undefined {
  const before = at;
  let ok = true;
  at = (line, message) => {
    ok = false;
    before(line, message);
  };
  const found = new Map<SectionKey, { line: number; items: CitedText[]; paragraph: string[] }>();
  let current: { key: SectionKey; items: CitedText[]; paragraph: string[] } | undefined;

  lines.forEach((raw, i) => {
    const line = firstLine + i;
    const text = raw.trimEnd();
    const heading = /^##\s+(.+)$/.exec(text);
    if (heading) {
      const key = sectionKey(heading[1]!);
      if (!key) {
        at(line, `unknown section '${heading[1]}'; use ${Object.values(SECTIONS).join(', ')}`);
        current = undefined;
        return;
      }
      if (found.has(key)) at(line, `section '${SECTIONS[key]}' appears twice`);
      current = { key, items: [], paragraph: [] };
      found.set(key, { line, ...current });
      return;
    }
    if (text.trim() === '') return;
    if (/^#\s/.test(text)) {
      at(line, "use '## ' headings for sections; the title belongs in the front matter");
      return;
    }
    if (!current) {
      at(line, "text before the first section; start with '## Summary'");
      return;
    }
    if (current.key === 'summary') {
      current.paragraph.push(text.trim());
      return;
    }
    const bullet = /^[-*]\s+(.*)$/.exec(text);
    if (bullet) {
      current.items.push(cited(bullet[1]!, line));
    } else if (/^\s+\S/.test(raw) && current.items.length > 0) {
      const last = current.items[current.items.length - 1]!;
      const more = cited(text.trim(), line);
      last.text = `${last.text} ${more.text}`;
      last.refs.push(...more.refs);
    } else {
      at(line, `'${SECTIONS[current.key]}' holds a list: start the line with '- '`);
    }
  });

  for (const key of REQUIRED) {
    if (!found.has(key)) at(firstLine, `missing section '## ${SECTIONS[key]}'`);
  }
  const summarySection = found.get('summary');
  const summary = cited(summarySection?.paragraph.join(' ') ?? '', summarySection?.line ?? firstLine);
  if (summarySection && summary.text === '') at(summarySection.line, 'the summary is empty');
  if (summary.text.length > LIMITS.summary) {
    at(summarySection!.line, `the summary is ${summary.text.length} characters; the limit is ${LIMITS.summary}`);
  }

  const facts = found.get('facts')?.items ?? [];
  const factsLine = found.get('facts')?.line ?? firstLine;
  if (found.has('facts') && facts.length === 0) at(factsLine, 'key facts: the list is empty');
  if (facts.length > MAX_FACTS) at(factsLine, `key facts: ${facts.length} listed; keep it to ${MAX_FACTS}`);
  for (const f of facts) {
    if (f.refs.length === 0) at(f.line, 'key fact has no source citation; end it with [s1]');
  }

  const timeline: TimelineEntry[] = [];
  for (const item of found.get('timeline')?.items ?? []) {
    const m = /^(\d{4}(?:-\d{1,2}){0,2}):\s+(.+)$/.exec(item.text);
    if (!m) {
      at(item.line, "timeline line must start with a date: '- 2025-07-16: what happened'");
      continue;
    }
    if (!isTimelineDate(m[1]!)) {
      at(item.line, `timeline date '${m[1]}' is not a real date (use YYYY, YYYY-MM or YYYY-MM-DD)`);
      continue;
    }
    timeline.push({ ...item, date: m[1]!, text: m[2]! });
  }
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i]!.date < timeline[i - 1]!.date) {
      at(timeline[i]!.line, `timeline is out of order: ${timeline[i]!.date} comes after ${timeline[i - 1]!.date}`);
    }
  }

  const watch = found.get('watch')?.items ?? [];
  for (const item of [...facts, ...timeline, ...watch]) {
    if (item.text.length > LIMITS.line) {
      at(item.line, `line is ${item.text.length} characters; the limit is ${LIMITS.line}`);
    }
  }
  for (const item of [summary, ...facts, ...timeline, ...watch]) checkPlain(item, at);
  return ok ? { summary, facts, timeline, watch } : undefined;
}

function sectionKey(heading: string): SectionKey | undefined {
  const wanted = heading.trim().toLowerCase();
  return (Object.keys(SECTIONS) as SectionKey[]).find((k) => SECTIONS[k].toLowerCase() === wanted);
}

function cited(text: string, line: number): CitedText {
  const refs: string[] = [];
  const stripped = text.replace(CITATION, (_m, ids: string) => {
    refs.push(...ids.split(',').map((s) => s.trim()));
    return '';
  });
  return { text: stripped.replace(/\s+/g, ' ').replace(/\s+([.,;:])/g, '$1').trim(), refs, line };
}

function checkPlain(item: CitedText, at: (line: number, message: string) => void): void {
  if (/\[[^\]]*\]\([^)]*\)/.test(item.text)) at(item.line, 'links belong in sources: cite them as [s1]');
  else if (/<[a-z!@#/]/i.test(item.text)) at(item.line, 'brief text is plain: remove the HTML or <…> markup');
  else if (/\[[^\]]*\]/.test(item.text)) at(item.line, `'${/\[[^\]]*\]/.exec(item.text)![0]}' is not a citation; cite sources as [s1]`);
}

function checkCitations(
  front: FrontMatter,
  sourceLines: Map<string, number>,
  body: Body,
  at: (line: number, message: string) => void,
): void {
  const ids = new Set<string>();
  front.sources.forEach((s) => {
    if (ids.has(s.id)) at(sourceLines.get(s.id)!, `source id '${s.id}' is listed twice`);
    ids.add(s.id);
  });
  const used = new Set<string>();
  const all = [body.summary, ...body.facts, ...body.timeline, ...body.watch];
  for (const item of all) {
    for (const ref of item.refs) {
      used.add(ref);
      if (!ids.has(ref)) at(item.line, `cites [${ref}] but no source has id '${ref}'`);
    }
  }
  for (const s of front.sources) {
    if (!used.has(s.id)) at(sourceLines.get(s.id)!, `source '${s.id}' is never cited`);
  }
}
