/**
 * Caps the work spent on one pair: a number of JSON nodes, and a wall-clock deadline checked every
 * few thousand nodes as a backstop. A pair that needs more is inconclusive, never a stall.
 */
export class WorkBudget {
  spent = 0;
  private nextClockCheck = CLOCK_CHECK_EVERY;

  constructor(
    private readonly maxNodes: number,
    private readonly deadline: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Records `nodes` more units of work; false once the budget is exhausted. */
  spend(nodes: number): boolean {
    this.spent += nodes;
    if (this.spent > this.maxNodes) return false;
    if (this.spent >= this.nextClockCheck) {
      this.nextClockCheck = this.spent + CLOCK_CHECK_EVERY;
      if (performance.now() > this.deadline) return false;
    }
    return true;
  }
}

const CLOCK_CHECK_EVERY = 4096;
