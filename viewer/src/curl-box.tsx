import { useRef, useState } from "preact/hooks";
import type { MismatchView } from "./api.js";
import { curlCommand } from "./curl.js";
import { grpcurlApplies, grpcurlCommand } from "./grpcurl.js";

/** The request as a `curl` command (a `grpcurl` one for a gRPC call whose message was kept), with a button that copies it. */
export function CurlBox({ pair }: { pair: MismatchView }) {
  const grpcurl = pair.grpc !== null && grpcurlApplies(pair);
  const { command, leftOut, bodyNote } = grpcurl ? grpcurlCommand({ ...pair, descriptorSets: pair.grpc?.descriptorSets ?? [] }) : curlCommand(pair);
  const tool = grpcurl ? "grpcurl" : "curl";
  const [copied, setCopied] = useState<"yes" | "no" | undefined>(undefined);
  const pre = useRef<HTMLPreElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied("yes");
    } catch {
      // No clipboard (a page not served from localhost or HTTPS): select it for Ctrl-C instead.
      const selection = getSelection();
      if (pre.current && selection) selection.selectAllChildren(pre.current);
      setCopied("no");
    }
  };
  return (
    <div class="curl">
      <div class="curl-head">
        <h3>Send it again</h3>
        <button type="button" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : `Copy ${tool}`}
        </button>
        {copied === "no" && <span class="muted">selected: press Ctrl-C</span>}
      </div>
      <pre ref={pre} class="mono">
        {command}
      </pre>
      {bodyNote !== null && <p class="muted curl-body-note">{bodyNote}</p>}
      {leftOut.length > 0 && (
        <p class="muted">
          Left out: {leftOut.map((header) => `${header.name} (${header.why})`).join(", ")}.
        </p>
      )}
    </div>
  );
}
