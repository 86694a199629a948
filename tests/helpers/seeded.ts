/** A repeatable stream of whole numbers below `n` (a linear congruential generator): a seed names a case. */
export function seeded(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}
