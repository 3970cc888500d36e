import { useRef, useState } from "preact/hooks";
import type { MismatchView } from "./api.js";
import { curlCommand } from "./curl.js";

/** The request as a `curl` command, with a button that copies it. */
export function CurlBox({ pair }: { pair: MismatchView }) {
  const { command, leftOut, bodyNote } = curlCommand(pair);
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
          {copied === "yes" ? "Copied" : "Copy curl"}
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
