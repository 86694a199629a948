/**
 * The value if `work` settles within `ms`, else undefined (the work keeps running); a rejection within
 * `ms` is thrown. How both platforms decide between answering at once and deferring.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
