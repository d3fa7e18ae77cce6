/** Runs at most `concurrency` of the given tasks at once, in the order they were asked for. */
export function concurrencyLimit(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`concurrency must be a whole number from 1, not ${concurrency}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** `make` called on first use only (dependencies built once per cold start, not at import). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
