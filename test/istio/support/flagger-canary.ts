// Flagger's Canary schema: the openAPIV3Schema of its CRD, as Flagger's Go module ships it
// (artifacts/flagger/crd.yaml, which `make tools` reads as Kubernetes does into
// .tools/flagger-webhooks/flagger-crds.json), checked with Ajv. Like `kubectl apply` (strict field validation), an unknown field is refused, except where
// the CRD keeps unknown fields.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { repoRoot } from "../../../support/paths.js";

export function flaggerCrdPath(): string {
  const path = process.env.FLAGGER_CRD || join(repoRoot(), ".tools", "flagger-webhooks", "flagger-crds.json");
  if (!existsSync(path)) throw new Error(`${path} is missing: run make tools (or set FLAGGER_CRD)`);
  return path;
}

type Schema = { [key: string]: unknown; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };

/** Every object schema that names its properties refuses others, unless it keeps unknown fields. */
function strict(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, strict(property)]));
    if (schema.additionalProperties === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
  }
  if (schema.items !== undefined) out.items = strict(schema.items);
  if (typeof schema.additionalProperties === "object" && schema.additionalProperties !== null) out.additionalProperties = strict(schema.additionalProperties as Schema);
  return out;
}

let validator: ValidateFunction | undefined;

function canaryValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  type Crd = { metadata: { name: string }; spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const crd = (JSON.parse(readFileSync(flaggerCrdPath(), "utf8")) as Crd[]).find((document) => document.metadata.name === "canaries.flagger.app");
  const version = crd?.spec.versions.find((v) => v.name === "v1beta1");
  if (version === undefined) throw new Error("Flagger's CRD has no v1beta1");
  const schema = strict(version.schema.openAPIV3Schema);
  // The server sets these; a manifest may leave them out.
  schema.properties = { ...schema.properties, metadata: { type: "object" } };
  validator = new Ajv({ strict: false, allErrors: true, formats: { int32: true, int64: true } }).compile(schema);
  return validator;
}

/** As the kubernetes-models classes: constructed from a document, validate() throws what is wrong. */
export class FlaggerCanary {
  constructor(private readonly document: unknown) {}

  validate(): void {
    const validate = canaryValidator();
    if (validate(this.document)) return;
    throw new Error((validate.errors ?? []).map((error) => `data${error.instancePath} ${error.message ?? ""}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`).join(", "));
  }
}
