/**
 * Caps the work spent on one pair in units of work (JSON nodes), never in time: the same pair
 * always gets the same verdict, on an idle machine or a busy one. A pair that needs more is
 * inconclusive, never a stall.
 */
export class WorkBudget {
  spent = 0;

  constructor(private readonly maxNodes: number) {}

  /** Records `nodes` more units of work; false once the budget is exhausted. */
  spend(nodes: number): boolean {
    this.spent += nodes;
    return this.spent <= this.maxNodes;
  }
}
