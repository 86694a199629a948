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
      redact: {
        paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization', 'signingSecret', 'appToken'],
        censor: '[redacted]',
      },
      hooks: {
        streamWrite: secrets.length > 0 ? scrub : (s) => s,
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
