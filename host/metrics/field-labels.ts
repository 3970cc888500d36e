export const OTHER_FIELD = "other";

/** Array indices folded to `[*]`: `$.items[3].price` and `$.items[7].price` are one field. */
export function foldIndices(path: string): string {
  return path.replace(/\[\d+\]/g, "[*]");
}

/**
 * The `field` label for a difference: array indices folded to `[*]` (so `$.items[3].price` and
 * `$.items[7].price` are one series), and at most `maxFields` distinct labels, the rest `other`.
 */
export class FieldLabeler {
  private readonly seen = new Set<string>();

  constructor(private readonly maxFields: number) {}

  label(path: string): string {
    const folded = foldIndices(path);
    if (this.seen.has(folded)) return folded;
    if (this.seen.size >= this.maxFields || folded.length > 200) return OTHER_FIELD;
    this.seen.add(folded);
    return folded;
  }
}
