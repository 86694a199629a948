import { Writable } from 'node:stream';

/** Where benchmark logs go: written (so the cost of logging is paid) and dropped. */
export function nullStream(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}
