/**
 * Items in order, cut into the groups one request can take: at most `maxItems` items whose
 * `weight`s add up to at most `maxWeight` (an item heavier than that alone goes in a group of its
 * own). Used for composite requests, file uploads and SQS batches.
 */
export function inGroups<T>(
  items: readonly T[],
  limits: { maxItems: number; maxWeight: number; weight: (item: T) => number },
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const weight = limits.weight(item);
    if (current.length > 0 && (current.length >= limits.maxItems || total + weight > limits.maxWeight)) {
      groups.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += weight;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
