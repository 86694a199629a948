import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON logs with secrets removed twice over: known secret fields by path, and any secret value
 * wherever it appears in a message or error (a library may echo a token in its own text).
 */
export function createLogger(level: string, secrets: string[] = [], destination?: NodeJS.WritableStream): Logger {
  const scrub = (s: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), s);
  return pino(
    {
      level,
      // Exact paths only: a wildcard path makes pino walk every line's top-level keys (about 6 µs on each
      // command's line). Secret values anywhere are caught by the scrub below.
      redact: {
        paths: ['token', 'headers.authorization', 'signingSecret', 'appToken', 'err.config.headers.authorization', 'err.config.headers.Authorization'],
        censor: '[redacted]',
      },
      hooks: {
        streamWrite: secrets.length > 0 ? scrub : (s) => s,
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
