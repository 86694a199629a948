/**
 * Discord's documented limits, checked the way Discord does: a violation is
 * 400 {code: 50035, "Invalid Form Body"} (developers/resources/message.mdx "Embed Limits",
 * application-commands.mdx). Each function returns the broken paths, empty when the body is fine.
 */

/** Length in code points, as Discord counts; a plain loop, since the fake runs inside the benchmarks too. */
const len = (v: unknown): number => {
  if (typeof v !== 'string') return 0;
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
      const next = v.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
};

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function messageProblems(body: unknown): string[] {
  const b = asObj(body);
  const problems: string[] = [];
  if (len(b.content) > 2000) problems.push('content: must be 2000 or fewer in length');
  const embeds = asArr(b.embeds);
  if (embeds.length > 10) problems.push('embeds: must be 10 or fewer in length');
  let total = 0;
  embeds.forEach((raw, i) => {
    const e = asObj(raw);
    const check = (path: string, value: unknown, max: number) => {
      total += len(value);
      if (len(value) > max) problems.push(`embeds.${i}.${path}: must be ${max} or fewer in length`);
    };
    check('title', e.title, 256);
    check('description', e.description, 4096);
    check('footer.text', asObj(e.footer).text, 2048);
    check('author.name', asObj(e.author).name, 256);
    const fields = asArr(e.fields);
    if (fields.length > 25) problems.push(`embeds.${i}.fields: must be 25 or fewer in length`);
    fields.forEach((f, j) => {
      check(`fields.${j}.name`, asObj(f).name, 256);
      check(`fields.${j}.value`, asObj(f).value, 1024);
    });
  });
  if (total > 6000) problems.push('embeds: the combined text of all embeds must be 6000 or fewer');
  return problems;
}

export function choicesProblems(body: unknown): string[] {
  const choices = asArr(asObj(body).choices);
  const problems: string[] = [];
  if (choices.length > 25) problems.push('choices: must be 25 or fewer in length');
  choices.forEach((c, i) => {
    const { name, value } = asObj(c);
    if (len(name) < 1 || len(name) > 100) problems.push(`choices.${i}.name: must be 1 to 100 in length`);
    if (typeof value === 'string' && len(value) > 100)
      problems.push(`choices.${i}.value: must be 100 or fewer`);
  });
  return problems;
}

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

/** Chat-input command JSON as Discord validates it on PUT .../commands. */
export function commandProblems(commands: unknown): string[] {
  const list = asArr(commands);
  const problems: string[] = [];
  if (list.length > 100) problems.push('must be 100 or fewer commands');
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const c = asObj(raw);
    const name = String(c.name ?? '');
    if (!NAME.test(name) || name !== name.toLowerCase()) problems.push(`${i}.name: invalid command name`);
    if (names.has(name)) problems.push(`${i}.name: duplicate name`);
    names.add(name);
    if (len(c.description) < 1 || len(c.description) > 100)
      problems.push(`${i}.description: must be 1 to 100`);
    const dmp = c.default_member_permissions;
    if (dmp !== undefined && dmp !== null && !/^\d+$/.test(String(dmp))) {
      problems.push(`${i}.default_member_permissions: must be a string of digits`);
    }
    const options = asArr(c.options);
    if (options.length > 25) problems.push(`${i}.options: must be 25 or fewer`);
    let optionalSeen = false;
    options.forEach((rawOpt, j) => {
      const o = asObj(rawOpt);
      const at = `${i}.options.${j}`;
      if (!NAME.test(String(o.name ?? ''))) problems.push(`${at}.name: invalid option name`);
      if (len(o.description) < 1 || len(o.description) > 100)
        problems.push(`${at}.description: must be 1 to 100`);
      if (o.required && optionalSeen)
        problems.push(`${at}: required options must be placed before non-required`);
      if (!o.required) optionalSeen = true;
      const choices = asArr(o.choices);
      if (choices.length > 25) problems.push(`${at}.choices: must be 25 or fewer`);
      if (choices.length > 0 && o.autocomplete)
        problems.push(`${at}: autocomplete and choices are exclusive`);
      problems.push(...choicesProblems({ choices }).map((p) => `${at}.${p}`));
    });
  });
  return problems;
}
