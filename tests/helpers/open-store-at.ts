/**
 * Opens a store at a given instant, as a bot process starting beside another does. Run as
 * `node --import tsx tests/helpers/open-store-at.ts <db file> <epoch ms>`; prints `ok <version>` or
 * `error <message>`.
 */
import { SqliteStore } from '../../src/store/sqlite.js';

const [file, at] = process.argv.slice(2) as [string, string];
// Spin to the instant: a sleep would wake each process up to a few milliseconds apart.
while (Date.now() < Number(at));
try {
  const store = new SqliteStore(file);
  console.log(`ok ${store.version}`);
  await store.close();
} catch (err) {
  console.log(`error ${(err as Error).message}`);
}
