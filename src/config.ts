import { z } from 'zod';
import { closest } from './core/text.js';

/** Trimmed: a token pasted from `$(cat file)` brings its newline. (An empty variable never gets here: loadConfig drops it.) */
const optional = (schema: z.ZodString) => z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), schema.optional());

const url = (name: string) =>
  optional(
    z
      .string()
      .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { message: `${name} must be an http(s) URL`, abort: true })
      // The HTTP clients refuse such a URL on every request, and would log it, password and all.
      .refine((s) => !new URL(s).username && !new URL(s).password, `${name} must not hold a user name or password`),
  );

/** Every setting comes from the environment, checked once at start. `.env.example` lists them all. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  BRIEFS_DIR: z.string().default('./briefs'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DISCORD_TOKEN: optional(
    z.string().regex(/^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/, 'DISCORD_TOKEN must be a bot token: three dot-separated parts'),
  ),
  DISCORD_APPLICATION_ID: optional(z.string().regex(/^\d{17,20}$/, 'DISCORD_APPLICATION_ID must be a numeric id')),
  DISCORD_API_URL: url('DISCORD_API_URL'),
  SLACK_BOT_TOKEN: optional(z.string().regex(/^xoxb-[\w-]+$/, 'SLACK_BOT_TOKEN must start with xoxb-')),
  SLACK_SIGNING_SECRET: optional(z.string().regex(/^[0-9a-f]{32}$/i, 'SLACK_SIGNING_SECRET must be 32 hex characters')),
  SLACK_APP_TOKEN: optional(z.string().regex(/^xapp-[\w-]+$/, 'SLACK_APP_TOKEN must start with xapp-')),
  SLACK_API_URL: url('SLACK_API_URL'),
  /** Slack user ids (comma-separated) allowed to run manager-only commands besides workspace admins. */
  SLACK_ADMIN_USERS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  // A timer longer than 2^31-1 ms fires at once: the grace would be 1 ms.
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().max(2_147_483_647, 'SHUTDOWN_GRACE_MS must be at most 2147483647 (about 24 days)').default(10_000),
  FEEDS_FILE: z.string().default('./feeds.yaml'),
  /** Optional YAML list of digest subscriptions, upserted at start (deployments as code). */
  SUBSCRIPTIONS_FILE: optional(z.string()),
  /** Where feed-health and brief-reload notes go: `discord:<channel id>` or `slack:<channel id>`. */
  MODERATOR_CHANNEL: optional(
    z.string().regex(/^(discord|slack):[\w-]+$/, 'MODERATOR_CHANNEL must be discord:<channel id> or slack:<channel id>'),
  ),
  DIGEST_MAX_AGE_DAYS: z.coerce.number().positive().default(2),
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment; a wrong setting stops start-up with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `PORT=` in an env file means "not set", as for every variable: not port 0 (a random one).
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConfigError(`Configuration error:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
  if (config.SLACK_BOT_TOKEN && !config.SLACK_APP_TOKEN && !config.SLACK_SIGNING_SECRET) {
    throw new ConfigError(
      'Configuration error:\n  SLACK_SIGNING_SECRET is required for Slack HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  return config;
}

/** Read outside the schema, by `npm run demo` only. */
const DEMO_SETTINGS = ['DEMO_DATA_DIR', 'DEMO_FEEDS_FILE'];

/**
 * Settings that parse but switch something off without a word: a misspelt variable (the platform
 * stays off), Slack's other settings without its bot token, notes for a platform this process
 * does not run. Logged at start.
 */
export function configWarnings(env: NodeJS.ProcessEnv, config: Config): string[] {
  const known = [...Object.keys(configSchema.shape), ...DEMO_SETTINGS];
  // Only names in our families (SLACK_…, DATA_…): the rest of the environment (HOME, TERM) is not ours.
  const families = new Set(known.filter((k) => k.includes('_')).map((k) => k.split('_')[0]));
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.includes(name) || !env[name]?.trim() || !families.has(name.split('_')[0] ?? '')) continue;
    const nearest = closest(name, known);
    const close = nearest ? ` (did you mean ${nearest}?)` : '';
    warnings.push(`${name} is not a briefbot setting${close}: it is ignored`);
  }
  if (!config.SLACK_BOT_TOKEN) {
    for (const name of ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'] as const) {
      if (config[name]) warnings.push(`${name} is set but SLACK_BOT_TOKEN is not: Slack is off`);
    }
  }
  const notesOn = config.MODERATOR_CHANNEL?.split(':')[0];
  if ((notesOn === 'discord' && !config.DISCORD_TOKEN) || (notesOn === 'slack' && !config.SLACK_BOT_TOKEN)) {
    warnings.push(`MODERATOR_CHANNEL is on ${notesOn}, which this process does not run: its notes go to the log only`);
  }
  return warnings;
}

/** Values that must never reach a log line, an error message or /metrics. */
export function secretsOf(config: Config): string[] {
  return [config.DISCORD_TOKEN, config.SLACK_BOT_TOKEN, config.SLACK_SIGNING_SECRET, config.SLACK_APP_TOKEN].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
}
