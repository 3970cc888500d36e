export const OTHER_TARGET = "other";

/**
 * The `target` label: the target's configured name, at most `maxTargets` distinct names (a pair
 * has 1 to 4, but a fleet's configurations may change over time), the rest `other`.
 */
export class TargetLabeler {
  private readonly seen = new Set<string>();

  constructor(private readonly maxTargets: number) {}

  label(name: string): string {
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.maxTargets) return OTHER_TARGET;
    this.seen.add(name);
    return name;
  }
}
