/**
 * The platform-free answer a command gives. Every string here is plain text (never markup):
 * each platform escapes and formats it, so nothing in a Reply can forge structure or mention anyone.
 */
export interface Link {
  label: string;
  url: string;
  /** A compact label (a source number) for platforms that run short of room. */
  short?: string;
}

export interface ReplyItem {
  text: string;
  /** A date shown before the text (timeline lines). */
  date?: string;
  /** Sources cited by this line, rendered as links. */
  refs?: Link[];
  /** The item itself links somewhere (a headline). */
  url?: string;
  /** A secondary line: outlets, time, a one-line summary. */
  detail?: string;
}

export interface ReplySection {
  key: string;
  heading: string;
  items: ReplyItem[];
  /** Paragraphs read as prose; lists get bullets. */
  style: 'list' | 'paragraph';
  /** Shown when a platform had to trim this section: how to see all of it. */
  more?: string;
}

export type Tone = 'info' | 'warning' | 'error';

export interface Reply {
  title: string;
  status?: string;
  sections: ReplySection[];
  footer?: string;
  ephemeral: boolean;
  tone: Tone;
}

export function textReply(title: string, text: string, opts: { tone?: Tone; ephemeral?: boolean } = {}): Reply {
  return {
    title,
    sections: [{ key: 'text', heading: '', items: [{ text }], style: 'paragraph' }],
    ephemeral: opts.ephemeral ?? true,
    tone: opts.tone ?? 'info',
  };
}

export function errorReply(message: string): Reply {
  return textReply('Sorry', message, { tone: 'error', ephemeral: true });
}
