import type { CommandDefinition, OptionValues } from './types.js';

export type TextParse = { ok: true; options: OptionValues } | { ok: false; error: string };

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/**
 * Options typed as text (Slack, the terminal): `name:value` pairs, a bare boolean option name
 * meaning true, a bare choice value filling the option that offers it, and other bare words
 * filling the first string option still empty. `"quoted words"` (curly quotes too, as phones and
 * Macs type them) stay together; a list typed with spaces after its commas (`topics:a, b`) is one
 * value. An option given twice is an error, not the last one silently. `typedAs`: the command's
 * name on the platform (Slack's `/briefbot-help`, not `/help`), for the usage line.
 */
export function parseCommandText(definition: CommandDefinition, text: string, typedAs = definition.name): TextParse {
  const options: OptionValues = {};
  const tokens = [...text.replace(/[“”„«»]/g, '"').matchAll(/(\S+?:)?"([^"]*)"|\S+/g)].map((m) =>
    m[2] !== undefined ? `${m[1] ?? ''}${m[2]}` : m[0],
  );
  const byName = (name: string) => definition.options.find((o) => o.name === name);
  const isNamed = (token: string | undefined) => token !== undefined && token.indexOf(':') > 0 && byName(token.slice(0, token.indexOf(':')).toLowerCase()) !== undefined;
  // Built only for an error message: most commands parse cleanly.
  const usage = () => usageOf(definition, typedAs);

  /** Words taken for a free-text option because they were no choice (by option): named when they turn out wrong. */
  const guessedFor = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const colon = token.indexOf(':');
    const named = colon > 0 ? byName(token.slice(0, colon).toLowerCase()) : undefined;
    if (named) {
      // `time: 08:00`: a space after the colon, the value is the next word.
      let raw = colon === token.length - 1 && i + 1 < tokens.length ? (tokens[++i] as string) : token.slice(colon + 1);
      // `topics:nato-status, china-ties`: the list goes on after a comma.
      while ((raw.endsWith(',') || tokens[i + 1]?.startsWith(',')) && i + 1 < tokens.length && !isNamed(tokens[i + 1])) raw += tokens[++i];
      const before = options[named.name];
      if (before !== undefined) {
        const guess = guessedFor.get(named.name);
        return { ok: false, error: guess ? `I don't understand '${guess}'. ${usage()}` : `${named.name} is given twice. ${usage()}` };
      }
      if (named.type === 'boolean') {
        const v = raw.toLowerCase();
        if (!TRUE.has(v) && !FALSE.has(v)) return { ok: false, error: `${named.name} takes true or false. ${usage()}` };
        options[named.name] = TRUE.has(v);
      } else {
        // A choice in any case: `section:Facts` as `section:facts`.
        options[named.name] = named.choices ? raw.toLowerCase() : raw;
      }
      continue;
    }
    const lower = token.toLowerCase();
    const flag = byName(lower);
    if (flag?.type === 'boolean') {
      options[flag.name] = true;
      continue;
    }
    const byChoice = definition.options.find(
      (o) => options[o.name] === undefined && o.choices?.some((c) => c.value === lower),
    );
    if (byChoice) {
      options[byChoice.name] = lower;
      continue;
    }
    const free = definition.options.find((o) => o.type === 'string' && !o.choices && options[o.name] === undefined);
    if (!free) return { ok: false, error: `I don't understand '${token}'. ${usage()}` };
    options[free.name] = token;
    guessedFor.set(free.name, token);
  }

  for (const o of definition.options) {
    const v = options[o.name];
    const guess = guessedFor.values().next().value;
    if (o.required && v === undefined && o.choices && guess !== undefined) {
      return { ok: false, error: `'${guess}' is not a known ${o.name}: choose one of ${o.choices.map((c) => c.value).join(', ')}. ${usage()}` };
    }
    if (o.required && v === undefined) return { ok: false, error: `${o.name} is required. ${usage()}` };
    if (typeof v === 'string' && o.choices && !o.choices.some((c) => c.value === v)) {
      return { ok: false, error: `${o.name} must be one of ${o.choices.map((c) => c.value).join(', ')}. ${usage()}` };
    }
  }
  return { ok: true, options };
}

export function usageOf(definition: CommandDefinition, name = definition.name): string {
  const parts = definition.options.map((o) => {
    const value = o.type === 'boolean' ? '' : `:${o.choices ? o.choices.map((c) => c.value).join('|') : o.name}`;
    return o.required ? `${o.name}${value}` : `[${o.name}${value}]`;
  });
  return `Usage: /${[name, ...parts].join(' ')}`;
}
