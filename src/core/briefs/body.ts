/** The Markdown body of a brief: its four sections, with citations pulled out of the text. */
import { type Brief, type CitedText, isTimelineDate, LIMITS, type TimelineEntry } from './schema.js';

const SECTIONS = {
  summary: 'Summary',
  facts: 'Key facts',
  timeline: 'Timeline',
  watch: 'What to watch',
} as const;
export type SectionKey = keyof typeof SECTIONS;
const REQUIRED: SectionKey[] = ['summary', 'facts', 'timeline'];
const MAX_FACTS = 10;
const CITATION = /\[(s\d+(?:\s*,\s*s\d+)*)\]/g;
export type Body = Pick<Brief, 'summary' | 'facts' | 'timeline' | 'watch'>;

export function parseBody(
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
  // After an unknown heading its lines are not named one by one: the heading is the mistake.
  let inUnknown = false;
  /** Sections whose heading was mistyped: named at the heading, not again as missing. */
  const mistyped = new Set<SectionKey>();

  lines.forEach((raw, i) => {
    const line = firstLine + i;
    const text = raw.trimEnd();
    // `### Key facts`, `##Key facts`, `## Key facts:` are meant as a section: named as one.
    const attempt = /^(#{2,6})\s*(.+?)\s*#*$/.exec(text);
    if (attempt && (attempt[1] !== '##' || !/^##\s/.test(text))) {
      const meant = sectionKey(attempt[2]!.replace(/:$/, ''));
      at(line, `a section heading is '## ' then its name${meant ? ` ('## ${SECTIONS[meant]}')` : ''}: two #, then a space`);
      if (meant) mistyped.add(meant);
      current = undefined;
      inUnknown = true;
      return;
    }
    const heading = /^##\s+(.+)$/.exec(text);
    if (heading) {
      const key = sectionKey(heading[1]!.replace(/\s*#*$/, '').replace(/:$/, ''));
      if (!key) {
        at(line, `unknown section '${heading[1]}'; use ${Object.values(SECTIONS).join(', ')}`);
        current = undefined;
        inUnknown = true;
        return;
      }
      inUnknown = false;
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
      if (!inUnknown) at(line, "text before the first section; start with '## Summary'");
      return;
    }
    if (current.key === 'summary') {
      current.paragraph.push(text.trim());
      return;
    }
    const bullet = /^[-*]\s+(.*)$/.exec(text);
    if (bullet) {
      current.items.push(cited(bullet[1]!, line));
    } else if (/^\s+[-*+]\s/.test(raw)) {
      at(line, "a list inside a list is not supported: start the line at the margin with '- ' (one fact a line)");
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
    if (!found.has(key) && !mistyped.has(key)) at(firstLine, `missing section '## ${SECTIONS[key]}'`);
  }
  const summarySection = found.get('summary');
  const summary = cited(summarySection?.paragraph.join(' ') ?? '', summarySection?.line ?? firstLine);
  if (summarySection && summary.text === '') at(summarySection.line, 'the summary is empty');
  if (summary.text.length > LIMITS.summary) {
    at(
      summarySection!.line,
      `the summary is ${summary.text.length} characters; the limit is ${LIMITS.summary}`,
    );
  }

  const facts = found.get('facts')?.items ?? [];
  const factsLine = found.get('facts')?.line ?? firstLine;
  if (found.has('facts') && facts.length === 0) at(factsLine, 'key facts: the list is empty');
  if (facts.length > MAX_FACTS) at(factsLine, `key facts: ${facts.length} listed; keep it to ${MAX_FACTS}`);
  for (const f of facts) {
    if (f.refs.length === 0) at(f.line, 'key fact has no source citation; end it with [s1]');
  }
  // "Every fact links to its source": what happened when, and the summary, are facts too.
  if (summarySection && summary.text !== '' && summary.refs.length === 0) at(summarySection.line, 'the summary cites no source; cite each claim with [s1]');

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
    if (item.refs.length === 0) at(item.line, 'timeline line has no source citation; end it with [s1]');
    timeline.push({ ...item, date: m[1]!, text: m[2]! });
  }
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i]!.date < timeline[i - 1]!.date) {
      at(
        timeline[i]!.line,
        `timeline is out of order: ${timeline[i]!.date} comes after ${timeline[i - 1]!.date}`,
      );
    }
  }

  const watch = found.get('watch')?.items ?? [];
  // An empty section would show as a bare heading.
  if (found.has('watch') && watch.length === 0) at(found.get('watch')!.line, "'What to watch' is empty: add an item, or remove the heading");
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
  return {
    text: stripped
      .replace(/\s+/g, ' ')
      .replace(/\s+([.,;:])/g, '$1')
      .trim(),
    refs,
    line,
  };
}

/**
 * Brief text is plain: replies escape it for each platform, so Markdown shows as its marks
 * (`**Building Integrity**` on Discord, `∗∗…∗∗` on Slack) and an entity as itself (`&amp;`).
 */
function checkPlain(item: CitedText, at: (line: number, message: string) => void): void {
  const emphasis = /(\*\*|__)[^*_]+\1|(?<![\p{L}\p{N}])[*_][^*_\s][^*_]*[*_](?![\p{L}\p{N}])|`[^`]+`/u.exec(item.text);
  if (/\[[^\]]*\]\([^)]*\)/.test(item.text)) at(item.line, 'links belong in sources: cite them as [s1]');
  else if (/<[a-z!@#/]/i.test(item.text)) at(item.line, 'brief text is plain: remove the HTML or <…> markup');
  else if (/\[[^\]]*\]/.test(item.text))
    at(item.line, `'${/\[[^\]]*\]/.exec(item.text)![0]}' is not a citation; cite sources as [s1]`);
  else if (emphasis) at(item.line, `brief text is plain: '${emphasis[0]}' would show its marks; remove them`);
  else if (/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i.test(item.text)) at(item.line, "brief text is plain: write the character, not its HTML entity ('&amp;' shows as it is)");
  else if (/https?:\/\//i.test(item.text)) at(item.line, 'links belong in sources: cite them as [s1], not as a bare URL');
}
