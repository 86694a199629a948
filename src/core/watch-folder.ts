import { existsSync, type FSWatcher, watch } from 'node:fs';

/**
 * Call `settled` once a burst of changes in `dir` has been quiet for `debounceMs` (an editor's save
 * is several events). Any name in the folder counts: editors save by renaming a new file over the
 * old, and a Kubernetes ConfigMap swaps a `..data` symlink. Returns the function that stops it.
 *
 * A folder that is missing (a volume not mounted yet) or deleted is looked for every `retryMs`;
 * when it is back, `settled` is called for what it holds.
 */
export function watchFolder(dir: string, debounceMs: number, settled: () => void, retryMs = 2000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let stopped = false;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(settle, debounceMs);
  };
  const settle = () => {
    settled();
    // A deleted folder's watch sees nothing more, even once a folder of that name is back.
    if (watcher && !existsSync(dir)) lost();
  };
  const lost = () => {
    watcher?.close();
    watcher = undefined;
    if (!stopped) retry = setTimeout(() => begin(true), retryMs).unref();
  };
  const begin = (again: boolean) => {
    try {
      watcher = watch(dir, changed);
      watcher.on('error', lost);
      if (again) changed();
    } catch {
      lost();
    }
  };
  begin(false);
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(retry);
    watcher?.close();
  };
}
