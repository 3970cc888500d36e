// What the module that receives request bodies (index-bodies.ts) adds to the filter: the
// `request_bodies` and `grpc` blocks, and a root whose streams mirror those methods and calls with
// their bodies (body-stream.ts), and keeps a gRPC side's trailers from its answer. Every refusal
// names the key down to the field ("request_bodies.max_bytes").
import { HttpContext, RootContext } from "../abi/context";
import { indexOfBytes } from "../abi/headers";
import { setRootContextFactory } from "../abi/dispatcher";
import { defineMetric, monotonicNanos } from "../abi/hostcalls";
import { MapType, MetricType } from "../abi/types";
import { BodyStream, Bodies } from "./body-stream";
import { Config, readOtherKeysWith } from "./config";
import { integerRule, isInteger, keyRefusal } from "./config-rules";
import { GrpcSettings, grpcProblem, KEY as GRPC_KEY } from "./grpc-config";
import { GrpcResponse } from "./grpc-pair";
import { GrpcCalls } from "./grpc-request";
import { JsonKind, JsonValue } from "./json";
import { MAX_BODY_BUDGET_BYTES, MAX_MIRRORED_BODY_BYTES } from "./limits";
import { BodyBudget } from "./request-body";
import { ShadowRoot } from "./root";
import { failureFromGrpcLocalReply, readShadowAnswer } from "./shadow-outcome";
import { ShadowStream } from "./stream";

const KEY = "request_bodies";
const METHODS_RULE = "must be a non-empty array of \"POST\", \"PUT\" or \"PATCH\", each once";
/** Request counters of a body that did not go, by BodyEnd (TooLarge, OverBudget, Reset; a
 * request_bodies body is never a gRPC stream). */
const BODY_ENDS: Array<string> = ["", "requests_body_too_large", "requests_over_body_budget", "requests_body_reset", ""];
/** Also captured of every answer and request, so that the collector can read compressed messages. */
const GRPC_ENCODING = String.UTF8.encode("grpc-encoding");

class RequestBodies {
  methods: Array<string> = [];
  maxBytes: u32 = 65536;
  budgetBytes: u32 = 8388608;
}

class BodiesConfig extends Config {
  requestBodies: RequestBodies | null = null;
  grpc: GrpcSettings | null = null;
}

/** parseConfig's reader of the keys it does not know: request_bodies and grpc, into a BodiesConfig. */
function readBodiesKey(c: Config, key: string, v: JsonValue): string {
  if (key == GRPC_KEY) {
    const grpc = new GrpcSettings();
    const problem = grpcProblem(v, grpc);
    if (problem.length == 0) changetype<BodiesConfig>(c).grpc = grpc;
    return problem;
  }
  if (key != KEY) return keyRefusal(key, "is unknown");
  const bodies = new RequestBodies();
  const problem = bodiesProblem(v, bodies);
  if (problem.length == 0) changetype<BodiesConfig>(c).requestBodies = bodies;
  return problem;
}

/** The filter's root (a ShadowRoot inside, which it hands every callback), with streams that
 * mirror request_bodies methods with their bodies. A wrapper, not a subclass: ShadowRoot's and
 * ShadowStream's methods stay plain calls, compiled in both modules as the default one has them. */
class BodiesRoot extends RootContext {
  private root: ShadowRoot;
  /** What on_configure fills. */
  private blank: BodiesConfig = new BodiesConfig();
  /** This configuration's request_bodies; null without the block. */
  private bodies: Bodies | null = null;
  /** Its gRPC rules, with either block; null with neither (the default module's streams then). */
  private grpc: GrpcCalls | null = null;

  constructor(id: u32) {
    super(id);
    this.root = new ShadowRoot(id);
  }

  onConfigure(size: usize): bool {
    const config = this.blank;
    if (!this.root.configure(size, config)) return false;
    const settings = config.requestBodies;
    const grpc = config.grpc;
    // A gRPC call, listed or not, meets these streams whenever either block is there.
    if (settings !== null || grpc !== null) this.grpc = new GrpcCalls(grpc);
    if (grpc !== null) {
      addKey(config.responseHeaderKeys, GRPC_ENCODING);
      addKey(config.requestHeaderKeys, GRPC_ENCODING);
    }
    if (settings === null) return true;
    const methodKeys = new Array<ArrayBuffer>();
    for (let i = 0; i < settings.methods.length; i++) methodKeys.push(String.UTF8.encode(settings.methods[i]));
    // The methods pass the method rule; their bodies are what the streams are for.
    config.methodKeys = config.methodKeys.concat(methodKeys);
    const counters = new StaticArray<u32>(BODY_ENDS.length);
    for (let i = 1; i < BODY_ENDS.length; i++) {
      if (BODY_ENDS[i].length > 0) counters[i] = defineMetric(MetricType.Counter, "shadowdiff." + BODY_ENDS[i]);
    }
    this.bodies = new Bodies(methodKeys, <i32>settings.maxBytes, new BodyBudget(<u64>settings.budgetBytes), counters);
    return true;
  }

  createHttpContext(id: u32): HttpContext | null {
    const running = this.root.running;
    const grpc = this.grpc;
    if (running === null || grpc === null) return this.root.createHttpContext(id);
    return new BodyStream(new ShadowStream(id, running.config, running.metrics, running.pairing), this.bodies, grpc);
  }

  onTick(): void {
    const grpc = this.grpc;
    if (grpc !== null) grpc.flush();
    this.root.onTick();
  }

  /** ShadowRoot's, but a gRPC side also keeps its trailers, and Envoy's own answer for a call it
   * could not make (a trailers-only reply with the failure in grpc-message) is that failure. */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    const running = this.root.running;
    const grpc = this.grpc;
    if (running === null || grpc === null) {
      this.root.onHttpCallResponse(token, numHeaders, bodySize, numTrailers);
      return;
    }
    const callout = running.pairing.answered(token);
    if (callout !== null) {
      const side = callout.side;
      side.latencyNanos = monotonicNanos() - callout.pair.startMonotonicNanos;
      let failure = readShadowAnswer(running.config, side, numHeaders, bodySize);
      if (failure == 0 && side instanceof GrpcResponse) {
        const answer = changetype<GrpcResponse>(side);
        answer.readTrailers(numTrailers > 0 ? MapType.HttpCallResponseTrailers : MapType.HttpCallResponseHeaders, grpc.trailerKeys, running.config.redactHeaderKeys);
        if (numTrailers == 0 && bodySize == 0) failure = failureFromGrpcLocalReply(answer.grpcMessage());
      }
      running.pairing.mirroredEnded(callout.pair, side, failure);
    }
    this.root.finishIfRetired(running);
  }

  onGrpcReceive(token: u32, messageSize: usize): void {
    this.root.onGrpcReceive(token, messageSize);
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    this.root.onGrpcClose(token, statusCode);
  }

  onDone(): bool {
    const grpc = this.grpc;
    if (grpc !== null) grpc.flush();
    return this.root.onDone();
  }
}

function addKey(keys: Array<ArrayBuffer>, key: ArrayBuffer): void {
  if (indexOfBytes(keys, changetype<usize>(key), <usize>key.byteLength) < 0) keys.push(key);
}

function createBodiesRoot(id: u32): RootContext {
  return new BodiesRoot(id);
}

/** At the module's top level (no host call may be made there): the module's root, and the
 * reading of request_bodies. */
export function receiveRequestBodies(): void {
  readOtherKeysWith(readBodiesKey);
  setRootContextFactory(createBodiesRoot);
}

function bodiesProblem(v: JsonValue, out: RequestBodies): string {
  if (v.kind != JsonKind.Object) return keyRefusal(KEY, "must be an object");
  for (let i = 0; i < v.keys.length; i++) {
    const field = v.keys[i];
    const rule = v.keys.indexOf(field) < i ? "appears more than once" : bodiesField(out, field, v.items[i]);
    if (rule.length > 0) return keyRefusal(KEY + "." + field, rule);
  }
  if (out.methods.length == 0) return keyRefusal(KEY + ".methods", "is required");
  // A copy is held whole until its request ends: one at the cap must fit.
  if (out.budgetBytes < out.maxBytes) {
    return keyRefusal(KEY + ".budget_bytes", "must be at least max_bytes (" + out.maxBytes.toString() + ")");
  }
  return "";
}

function bodiesField(out: RequestBodies, field: string, v: JsonValue): string {
  if (field == "methods") {
    const problem = methodsProblem(v);
    if (problem.length > 0) return problem;
    for (let i = 0; i < v.items.length; i++) out.methods.push(v.items[i].text);
  } else if (field == "max_bytes") {
    if (!isInteger(v, 0, MAX_MIRRORED_BODY_BYTES)) return integerRule(0, MAX_MIRRORED_BODY_BYTES);
    out.maxBytes = <u32>v.number;
  } else if (field == "budget_bytes") {
    if (!isInteger(v, 1, MAX_BODY_BUDGET_BYTES)) return integerRule(1, MAX_BODY_BUDGET_BYTES);
    out.budgetBytes = <u32>v.number;
  } else {
    return "is unknown";
  }
  return "";
}

/** POST, PUT and PATCH only: GET and HEAD go without a body (`methods`), and a method whose side
 * effects nobody has thought through stays out. "" when accepted, else the rule it breaks. */
function methodsProblem(v: JsonValue): string {
  if (v.kind != JsonKind.Array || v.items.length == 0) return METHODS_RULE;
  for (let i = 0; i < v.items.length; i++) {
    const item = v.items[i];
    if (item.kind != JsonKind.String) return METHODS_RULE;
    const text = item.text;
    if (text == "GET" || text == "HEAD") return "must not hold " + text + ": it is mirrored without a body, by \"methods\"";
    if (text != "POST" && text != "PUT" && text != "PATCH") return METHODS_RULE;
    for (let j = 0; j < i; j++) {
      if (v.items[j].text == text) return METHODS_RULE;
    }
  }
  return "";
}
