import type { DigestStory } from '../../src/core/digests/build.js';
import type { DiscordMessage } from '../../src/platforms/discord/render.js';
import type { SlackMessage } from '../../src/platforms/slack/render.js';

/**
 * What "inert" means for a rendered payload that carries untrusted text (tests/security-inert.test.ts).
 * The story URLs given are the only link targets allowed.
 *
 * Discord is inert when
 *  D1 `allowed_mentions` is exactly `{ parse: [] }`, and in every embed title, description and footer,
 *     after reading Discord's escapes (a backslash before any character that is not a letter, digit
 *     or space stands for that character, literally; simple-markdown's escape rule), the active text has
 *  D2 no `<` at all: none of `<@id>` `<@!id>` `<@&id>` `<#id>` `</cmd:id>` `<t:…>` `<:e:id>` `<https://…>`;
 *  D3 no `@everyone` or `@here`;
 *  D4 no backtick and no `||` (code blocks, inline code, spoilers);
 *  D5 no line that begins, after spaces, with `#`, `>`, `-`, `+` or `<digits>.` (headings, subtext,
 *     quotes, lists);
 *  D6 no `scheme://` (a bare URL Discord would auto-link), and, in the raw text (escapes or not: a
 *     link pattern need not know about them), every `](` is our link's: it is followed by the URL of
 *     a story whose URL is http(s), written as link() writes it, and `)`.
 * Slack is inert when
 *  S1 every mrkdwn text object has `verbatim: true` (no auto-linking of bare URLs, #channels or
 *     mentions) and the header is plain_text;
 *  S2 in every mrkdwn text and the fallback `text`, each `<` opens a whole `<target|label>` whose
 *     target is the URL of a story whose URL is http(s), written as link() writes it, and whose label
 *     holds no `<` or `>` — so no `<!…>`, `<@…>`, `<#…>` or foreign `<url|label>`;
 *  S3 outside those links there is no `>` and every `&` starts `&amp;`, `&lt;` or `&gt;`;
 *  S4 outside link targets there is no `~` or backtick (strike-through, code), no `_` but one inside a
 *     word (ASCII letters or digits on both sides: Slack opens italics only at a word's start, so
 *     with no other `_` none opens), and the `*`s pair up around text with no other mark in it
 *     (our bold: headings, dates, the status line).
 * Both: no zero-width, bidi-control or other invisible character survives (they are removed in the
 * core, src/core/untrusted.ts); look-alikes (＠ ＜ ＞) are kept as text, which D2–D3 and S2 show is harmless.
 */

/** An item URL that may be linked: it is, as written, an absolute http(s) URL. */
export const isHttp = (url: string) => /^https?:\/\//i.test(url) && URL.canParse(url);
/** How link() writes a target: outside printable ASCII percent-encoded, then the platform's delimiters. */
const encode = (c: string) => Buffer.from(c).toString('hex').replace(/../g, '%$&').toUpperCase();
const printable = (url: string) => url.replace(/[^\x21-\x7e]/gu, encode);
const discordTarget = (url: string) => printable(url).replace(/[()<>\\]/g, encode);
const slackTarget = (url: string) => printable(url).replace(/[|<>]/g, encode);
export const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** Discord's active text: each escaped character replaced by a placeholder that means nothing. */
function activeDiscord(text: string): string {
  return text.replace(/\\[^0-9A-Za-z\s]/g, '\u0001');
}

export function discordProblems(m: DiscordMessage, stories: DigestStory[]): string[] {
  const problems: string[] = [];
  if (JSON.stringify(m.allowed_mentions) !== '{"parse":[]}') problems.push('D1 allowed_mentions');
  const allowed = new Set(stories.filter((s) => isHttp(s.url)).map((s) => discordTarget(s.url)));
  const texts = m.embeds.flatMap((e) => [e.title ?? '', e.description ?? '', e.footer?.text ?? '']);
  for (const raw of texts) {
    if (INVISIBLE.test(raw)) problems.push(`invisible character in ${JSON.stringify(raw)}`);
    for (const at of [...raw.matchAll(/\]\(/g)].map((m) => m.index)) {
      const target = /^\]\(([^\s)]*)\)/.exec(raw.slice(at))?.[1];
      if (target === undefined || !allowed.has(target)) {
        problems.push(`D6 '](' not our link at ${at}: ${JSON.stringify(raw.slice(at, at + 60))}`);
      }
    }
    // Our own link targets checked, the rest is text: escapes read, targets set aside.
    const text = activeDiscord(raw.replace(/\]\([^\s)]*\)/g, ']\u0002'));
    if (text.includes('<')) problems.push(`D2 '<' in ${JSON.stringify(raw)}`);
    if (/@(everyone|here)/i.test(text)) problems.push(`D3 @everyone/@here in ${JSON.stringify(raw)}`);
    if (text.includes('`') || text.includes('||')) problems.push(`D4 code or spoiler in ${JSON.stringify(raw)}`);
    for (const line of text.split('\n')) {
      if (/^\s*([#>+-]|\d+\.)/.test(line)) problems.push(`D5 line starts with markup: ${JSON.stringify(line)}`);
    }
    if (/[A-Za-z0-9]:\/\//.test(text)) problems.push(`D6 bare URL in ${JSON.stringify(raw)}`);
  }
  return problems;
}

export function slackProblems(m: SlackMessage, stories: DigestStory[]): string[] {
  const problems: string[] = [];
  const allowed = new Set(stories.filter((s) => isHttp(s.url)).map((s) => slackTarget(s.url)));
  const texts = [m.text];
  for (const b of m.blocks) {
    if (b.type === 'header') {
      if (b.text.type !== 'plain_text') problems.push('S1 header is not plain_text');
      texts.push(b.text.text);
    }
    const objects = b.type === 'section' ? [b.text] : b.type === 'context' ? b.elements : [];
    for (const o of objects) {
      if (o.verbatim !== true) problems.push(`S1 mrkdwn without verbatim: ${JSON.stringify(o.text)}`);
      texts.push(o.text);
    }
  }
  for (const [i, text] of texts.entries()) {
    if (INVISIBLE.test(text)) problems.push(`invisible character in ${JSON.stringify(text)}`);
    const header = i > 0 && m.blocks.some((b) => b.type === 'header' && b.text.text === text);
    if (header) continue; // plain_text is never parsed
    const outside = text.replace(/<([^<>|]*)\|([^<>]*)>/g, (_, target: string) => {
      if (!allowed.has(target)) problems.push(`S2 link to ${target} in ${JSON.stringify(text)}`);
      return '\u0001';
    });
    if (/[<>]/.test(outside)) problems.push(`S2/S3 stray < or > in ${JSON.stringify(text)}`);
    if (/&(?!amp;|lt;|gt;)/.test(outside)) problems.push(`S3 unescaped & in ${JSON.stringify(text)}`);
    // Labels are formatted like any text; targets are not.
    const marked = text.replace(/<[^<>|]*\|([^<>]*)>/g, '$1').replace(/\*([^*~`\n]+)\*/g, '$1');
    // An underscore inside a word (ASCII letters or digits on both sides) opens nothing in Slack.
    if (/[*~`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/.test(marked)) problems.push(`S4 a formatting mark from untrusted text in ${JSON.stringify(text)}`);
  }
  return problems;
}

