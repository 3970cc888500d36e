import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { BodyView, ResponseView } from "../../host/mismatches/mismatch-view.js";
import { bytes, count } from "./format.js";
import { JsonLayoutError, layoutJson, type JsonLayout, type Token } from "./json-lines.js";

/** The primary, the target compared with it, and the secondary (the primary's own version asked again). */
export type Side = "primary" | "shadow" | "secondary";

/** A difference to scroll to; `seq` tells one click from the next on the same path. */
export interface Focus {
  path: string;
  seq: number;
}

/** Characters of one value shown before it is folded (a 10 KB string stays one readable line). */
const LONG_VALUE_CHARS = 600;

interface BodyText {
  text: string | null;
  /** What the reader should know about what is shown. */
  notes: string[];
}

/** The text to show for a body: decoded when it had a content-encoding; null for binary. */
export function bodyText(response: BodyView): BodyText {
  const notes: string[] = [];
  let text: string | null;
  if (response.bodyWithheld !== undefined) {
    notes.push(`not kept: ${response.bodyWithheld}`);
    text = null;
  } else if (response.decoded !== undefined) {
    if ("error" in response.decoded) {
      notes.push(`${response.decoded.contentEncoding} body could not be decoded: ${response.decoded.error}`);
      text = response.bodyEncoding === "utf8" ? response.body : null;
    } else {
      notes.push(`${response.decoded.contentEncoding}-decoded: ${bytes(response.decoded.bytes)} shown${response.decoded.cut ? ", the start of a longer body" : ""}`);
      text = response.decoded.bodyEncoding === "utf8" ? response.decoded.body : null;
    }
  } else {
    text = response.bodyEncoding === "utf8" ? response.body : null;
  }
  if (response.grpcMessage !== undefined) notes.push(`${response.grpcMessage}, decoded: shown as proto3 JSON`);
  if (response.bodyRedacted === true) notes.push('values redacted: shown as "[redacted]"');
  if (response.truncated) notes.push(`the start of a ${bytes(response.bodySize)} body: the filter's max_body_bytes cut it`);
  else if (response.bodyCut === true || (response.bodyDecoded !== true && response.storedBytes < response.bodySize)) notes.push(`the collector keeps the first ${bytes(response.storedBytes)}`);
  return { text, notes };
}

/** One side's body; `name` titles it ("Primary", "Target v2", ...). */
export function BodyPanel(props: { side: Side; name: string; response: ResponseView | null; failure: string | null; highlights: Map<string, string>; focus: Focus | undefined; json: boolean }) {
  const { side, response } = props;
  const title = props.name;
  if (response === null) {
    return (
      <section class="body-panel" aria-label={`${title} body`} data-side={side}>
        <header class="body-head">
          <h3>{title}</h3>
        </header>
        <p class="body-missing">No response: {props.failure ?? "it did not answer"}.</p>
      </section>
    );
  }
  const contentType = response.headers.find((h) => h.name.toLowerCase() === "content-type")?.value;
  return (
    <section class="body-panel" aria-label={`${title} body`} data-side={side}>
      <header class="body-head">
        <h3>{title}</h3>
        <span class="body-meta">
          {response.status} · {contentType ?? "no content-type"} · {bytes(response.bodySize)}
        </span>
      </header>
      <BodyContent body={response} lines={(text) => <BodyLines text={text} json={props.json} highlights={props.highlights} focus={props.focus} />} />
    </section>
  );
}

/** The body mirrored with the request, as stored (redacted); nothing for a request mirrored without one. */
export function RequestBody({ body, contentType }: { body: BodyView | null; contentType: string | undefined }) {
  if (body === null) return null;
  return (
    <section class="body-panel request-body" aria-label="Request body">
      <header class="body-head">
        <h3>Body</h3>
        <span class="body-meta">
          {contentType ?? "no content-type captured"} · {bytes(body.bodySize)}
          {body.truncated ? " (cut)" : ""}
        </span>
      </header>
      <BodyContent body={body} lines={(text) => <BodyLines text={text} json={false} highlights={NO_HIGHLIGHTS} focus={undefined} />} />
    </section>
  );
}

/** What is known of a body, then its text laid out by `lines`, or why there is none to show. */
function BodyContent({ body, lines }: { body: BodyView; lines: (text: string) => ComponentChildren }) {
  const { text, notes } = bodyText(body);
  return (
    <>
      {notes.map((note) => (
        <p class="body-note" key={note}>
          {note}
        </p>
      ))}
      {body.bodyWithheld !== undefined ? (
        <p class="body-missing">Body withheld: the collector keeps no body it could not redact.</p>
      ) : text === null ? (
        <p class="body-missing">Binary body ({count(body.storedBytes)} bytes kept): not shown as text.</p>
      ) : text === "" ? (
        <p class="body-missing">Empty body.</p>
      ) : (
        lines(text)
      )}
    </>
  );
}

const NO_HIGHLIGHTS = new Map<string, string>();

function BodyLines({ text, json, highlights, focus }: { text: string; json: boolean; highlights: Map<string, string>; focus: Focus | undefined }) {
  const layout = useMemo((): { layout?: JsonLayout; note?: string } => {
    const trimmed = text.trimStart();
    if (!json && !trimmed.startsWith("{") && !trimmed.startsWith("[")) return {};
    try {
      return { layout: layoutJson(text) };
    } catch (error) {
      if (error instanceof JsonLayoutError) return { note: `Shown as text: ${error.message}.` };
      throw error;
    }
  }, [text, json]);
  if (layout.layout === undefined) {
    return (
      <>
        {layout.note !== undefined && <p class="body-note">{layout.note}</p>}
        <TextLines text={text} />
      </>
    );
  }
  return <JsonLines layout={layout.layout} highlights={highlights} focus={focus} />;
}

function JsonLines({ layout, highlights, focus }: { layout: JsonLayout; highlights: Map<string, string>; focus: Focus | undefined }) {
  const box = useRef<HTMLDivElement>(null);
  // Each line takes the kind of the innermost difference around it; a difference's first line carries its path.
  const marks = useMemo(() => {
    const kinds: (string | undefined)[] = new Array(layout.lines.length);
    const starts = new Map<number, { path: string; kind: string }>();
    const found = [...highlights]
      .map(([path, kind]) => ({ path, kind, span: layout.spans.get(path) }))
      .filter((entry) => entry.span !== undefined)
      .sort((a, b) => b.span!.last - b.span!.first - (a.span!.last - a.span!.first));
    for (const { path, kind, span } of found) {
      for (let line = span!.first; line <= span!.last; line++) kinds[line] = kind;
      starts.set(span!.first, { path, kind });
    }
    return { kinds, starts };
  }, [layout, highlights]);

  useEffect(() => {
    if (focus === undefined) return;
    const span = layout.spans.get(focus.path);
    const line = span && box.current?.querySelector<HTMLElement>(`[data-line="${span.first}"]`);
    if (!line) return;
    line.scrollIntoView({ block: "center" });
    line.classList.remove("flash");
    void line.offsetWidth; // restarts the animation
    line.classList.add("flash");
  }, [focus]);

  return (
    <div class="code" ref={box}>
      {layout.lines.map((line, index) => {
        const kind = marks.kinds[index];
        const start = marks.starts.get(index);
        return (
          <div
            key={index}
            class={kind === undefined ? "ln" : `ln hl hl-${kind}`}
            data-line={index}
            data-diff-path={start?.path}
            data-diff-kind={start?.kind}
          >
            <span class="gutter" aria-hidden="true">
              {index + 1}
            </span>
            <span class="src" style={{ paddingLeft: `${line.depth * 2}ch` }}>
              {line.tokens.map((token, t) => (
                <TokenText key={t} token={token} />
              ))}
            </span>
          </div>
        );
      })}
    </div>
  );
}

function TokenText({ token }: { token: Token }) {
  if (token.text.length <= LONG_VALUE_CHARS) return <span class={`t-${token.kind}`}>{token.text}</span>;
  return <LongValue text={token.text} kind={token.kind} />;
}

/** A long value folded to its start, with a button to show it all. */
function LongValue({ text, kind }: { text: string; kind: string }) {
  const [open, setOpen] = useState(false);
  return (
    <span class={`t-${kind}`}>
      {open ? text : text.slice(0, LONG_VALUE_CHARS)}
      <button type="button" class="fold" onClick={() => setOpen(!open)}>
        {open ? "fold" : `… ${count(text.length - LONG_VALUE_CHARS)} more characters`}
      </button>
    </span>
  );
}

const MAX_TEXT_LINES = 20_000;

function TextLines({ text }: { text: string }) {
  const lines = text.split("\n");
  const shown = lines.slice(0, MAX_TEXT_LINES);
  return (
    <div class="code">
      {shown.map((line, index) => (
        <div key={index} class="ln">
          <span class="gutter" aria-hidden="true">
            {index + 1}
          </span>
          <span class="src">{line.length > LONG_VALUE_CHARS ? <LongValue text={line} kind="text" /> : line}</span>
        </div>
      ))}
      {lines.length > shown.length && <p class="body-note">{count(lines.length - shown.length)} more lines not shown.</p>}
    </div>
  );
}
