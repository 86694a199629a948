import type { Reply, ReplyItem } from '../../core/reply.js';
import { cleanText, isWebUrl } from '../../core/untrusted.js';

/**
 * A Reply as terminal text: what the demo prints and `briefbot ask --format text` previews.
 * Invisible and control characters are removed (an ANSI escape in a feed must not drive the
 * terminal); only http(s) URLs are shown.
 */
export function renderText(reply: Reply): string {
  return cleanText(layout(reply));
}

function layout(reply: Reply): string {
  const out: string[] = [reply.title.toUpperCase()];
  if (reply.status) out.push(reply.status);
  for (const s of reply.sections) {
    out.push('');
    if (s.heading) out.push(`${s.heading}:`);
    for (const item of s.items) out.push((s.style === 'list' ? '  - ' : '') + line(item));
  }
  if (reply.footer) out.push('', `(${reply.footer})`);
  return `${out.join('\n')}\n`;
}

function line(item: ReplyItem): string {
  const date = item.date ? `${item.date}: ` : '';
  const url = item.url && isWebUrl(item.url) ? ` <${item.url}>` : '';
  const refs = item.refs?.length ? ` [${item.refs.map((r) => `${r.label}${isWebUrl(r.url) ? ` ${r.url}` : ''}`).join('; ')}]` : '';
  const detail = item.detail ? `\n      ${item.detail}` : '';
  return `${date}${item.text}${url}${refs}${detail}`;
}
