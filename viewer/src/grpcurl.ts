// A `grpcurl` command that makes a captured gRPC call again, for a person to paste in a shell: the
// request message as the JSON the collector kept of it (decoded through the descriptor sets),
// the captured metadata but the redacted, and the descriptor sets as -protoset files. Only when
// the message was kept whole: grpcurl sends JSON, so a message it does not have cannot go.
import { shellQuote, REDACTED, type CapturedRequest, type CurlCommand } from "./curl.js";

/** Metadata grpcurl sets itself, and HTTP/2's own headers. */
const NOT_SENT = new Set(["host", "content-length", "transfer-encoding", "connection", "te", "content-type", "grpc-encoding", "grpc-accept-encoding", "grpc-timeout", "user-agent"]);
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROLS = /[\u0000-\u001f\u007f]/g;

export interface GrpcRequest extends CapturedRequest {
  /** The descriptor set files the collector read the messages with (base names). */
  descriptorSets: string[];
}

/** Whether a gRPC call's request can be made again with grpcurl: its message kept whole, as JSON. */
export function grpcurlApplies(request: CapturedRequest): boolean {
  const body = request.requestBody;
  return body !== null && body !== undefined && body.grpcMessage !== undefined && !body.truncated && body.bodyCut !== true && body.bodyEncoding === "utf8";
}

export function grpcurlCommand(request: GrpcRequest): CurlCommand {
  const args = ["grpcurl", "-plaintext"];
  for (const file of request.descriptorSets) args.push("-protoset", shellQuote(file));
  const leftOut: CurlCommand["leftOut"] = [];
  for (const { name, value } of request.requestHeaders) {
    if (value === REDACTED) leftOut.push({ name, why: "redacted" });
    else if (name.startsWith(":") || NOT_SENT.has(name.toLowerCase())) leftOut.push({ name, why: "set by grpcurl" });
    else if (CONTROL.test(name) || CONTROL.test(value)) leftOut.push({ name, why: "holds control characters" });
    else args.push("-H", shellQuote(`${name}: ${value}`));
  }
  const body = request.requestBody!;
  args.push("-d", shellQuote(body.body));
  // grpcurl wants host:port; a gRPC authority without a port is port 80 in plain text.
  const authority = /:\d+$/.test(request.authority) ? request.authority : `${request.authority}:80`;
  args.push(shellQuote(authority.replace(CONTROLS, "")), shellQuote(request.path.replace(/^\//, "").replace(CONTROLS, "")));
  const note = body.bodyRedacted === true
    ? 'Values of the message were redacted: the command sends "[redacted]" in their place, so it does not replay the call exactly.'
    : null;
  return { command: args.join(" "), leftOut, bodyNote: note };
}
