// Envoy's stats behind proxy_define_metric and friends (envoy source/extensions/common/wasm/
// context.cc defineMetric/incrementMetric/recordMetric/getMetric): ids carry the type in their low
// two bits; every define hands out a new id, but defining the same name again reaches the same
// stat, so ids from both definitions move one value.
import { MetricType, Status } from "./abi.js";

export type MetricKind = "counter" | "gauge" | "histogram";

interface Stat {
  readonly name: string;
  readonly kind: MetricKind;
  value: bigint;
  readonly samples: bigint[];
}

export interface MetricSnapshot {
  readonly name: string;
  readonly kind: MetricKind;
  /** Counter or gauge value; for a histogram, the number of samples. */
  readonly value: number;
  readonly samples: number[];
}

const KIND_BY_TYPE: Readonly<Record<number, MetricKind>> = {
  [MetricType.Counter]: "counter",
  [MetricType.Gauge]: "gauge",
  [MetricType.Histogram]: "histogram",
};
const TYPE_MASK = 0x3;
const ID_INCREMENT = 0x4;
const U64 = (value: bigint) => BigInt.asUintN(64, value);

export class MetricStore {
  private readonly statsByKey = new Map<string, Stat>();
  private readonly statsById = new Map<number, Stat>();
  private readonly nextId: Record<MetricKind, number> = {
    counter: MetricType.Counter,
    gauge: MetricType.Gauge,
    histogram: MetricType.Histogram,
  };

  define(type: number, name: string): { result: Status; id?: number } {
    const kind = KIND_BY_TYPE[type];
    if (kind === undefined) return { result: Status.BadArgument };
    const key = `${kind}:${name}`;
    let stat = this.statsByKey.get(key);
    if (!stat) {
      stat = { name, kind, value: 0n, samples: [] };
      this.statsByKey.set(key, stat);
    }
    this.nextId[kind] += ID_INCREMENT;
    const id = this.nextId[kind] >>> 0;
    this.statsById.set(id, stat);
    return { result: Status.Ok, id };
  }

  private kindOfId(id: number): MetricKind | undefined {
    return KIND_BY_TYPE[id & TYPE_MASK];
  }

  increment(id: number, offset: bigint): Status {
    const kind = this.kindOfId(id);
    if (kind === "counter") {
      const stat = this.statsById.get(id);
      if (!stat) return Status.NotFound;
      if (offset <= 0n) return Status.BadArgument;
      stat.value = U64(stat.value + offset);
      return Status.Ok;
    }
    if (kind === "gauge") {
      const stat = this.statsById.get(id);
      if (!stat) return Status.NotFound;
      stat.value = U64(stat.value + offset);
      return Status.Ok;
    }
    return Status.BadArgument;
  }

  record(id: number, value: bigint): Status {
    const stat = this.statsById.get(id);
    if (!stat || stat.kind !== this.kindOfId(id)) return Status.NotFound;
    const unsigned = U64(value);
    if (stat.kind === "counter") stat.value = U64(stat.value + unsigned);
    else if (stat.kind === "gauge") stat.value = unsigned;
    else stat.samples.push(unsigned);
    return Status.Ok;
  }

  get(id: number): { result: Status; value?: bigint } {
    const kind = this.kindOfId(id);
    if (kind === "counter" || kind === "gauge") {
      const stat = this.statsById.get(id);
      return stat ? { result: Status.Ok, value: stat.value } : { result: Status.NotFound };
    }
    return { result: Status.BadArgument };
  }

  snapshot(): MetricSnapshot[] {
    return [...this.statsByKey.values()].map((stat) => ({
      name: stat.name,
      kind: stat.kind,
      value: stat.kind === "histogram" ? stat.samples.length : Number(stat.value),
      samples: stat.samples.map(Number),
    }));
  }

  find(name: string): MetricSnapshot[] {
    return this.snapshot().filter((metric) => metric.name === name);
  }
}
