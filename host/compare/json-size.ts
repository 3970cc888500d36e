/**
 * An upper bound on the cost of parsing and walking a JSON text, counted up to `limit`, before
 * JSON.parse (which cannot be interrupted) is called. Every value after the first follows a `,`
 * or an opening bracket; containers count CONTAINER_WEIGHT, because deep nesting makes both
 * JSON.parse and the walk several times slower per value than flat data.
 */
export function jsonCostAtMost(bytes: Buffer, limit: number): number {
  let cost = 1;
  for (const [byte, weight] of WEIGHTS) {
    for (let at = bytes.indexOf(byte); at >= 0; at = bytes.indexOf(byte, at + 1)) {
      cost += weight;
      if (cost > limit) return cost;
    }
  }
  return cost;
}

export const CONTAINER_WEIGHT = 4;
const WEIGHTS: [number, number][] = [
  [0x5b, CONTAINER_WEIGHT], // [
  [0x7b, CONTAINER_WEIGHT], // {
  [0x2c, 1], // ,
];
