import { watch } from 'node:fs';

/**
 * Call `settled` once a burst of changes in `dir` has been quiet for `debounceMs` (an editor's save
 * is several events). Any name in the folder counts: editors save by renaming a new file over the
 * old, and a Kubernetes ConfigMap swaps a `..data` symlink. Returns the function that stops it.
 */
export function watchFolder(dir: string, debounceMs: number, settled: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(settled, debounceMs);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
