// Small pieces every view uses.
import type { ComponentChildren } from "preact";
import { OUTCOME_WORDS, type Outcome } from "./verdicts.js";

export function VerdictPill({ outcome }: { outcome: Outcome }) {
  return <span class={`pill verdict-${outcome}`}>{OUTCOME_WORDS[outcome]}</span>;
}

const KIND_TITLES: Record<string, string> = {
  changed: "the value differs",
  added: "only the shadow has it",
  removed: "only the primary has it",
  type: "the value's type differs",
  status: "the status codes differ",
  header: "a compared header differs",
};

export function KindBadge({ kind }: { kind: string }) {
  return (
    <span class={`kind kind-${KIND_TITLES[kind] === undefined ? "other" : kind}`} title={KIND_TITLES[kind]}>
      {kind}
    </span>
  );
}

export function OutcomePill({ outcome }: { outcome: string }) {
  return <span class={`pill outcome-${outcome === "inconclusive" ? "inconclusive" : "mismatch"}`}>{outcome}</span>;
}

export function Card(props: { title: ComponentChildren; children: ComponentChildren; class?: string; actions?: ComponentChildren }) {
  return (
    <section class={`card ${props.class ?? ""}`}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; detail?: ComponentChildren; tone?: "bad" | "good" }) {
  return (
    <div class={`stat ${props.tone ? `stat-${props.tone}` : ""}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.detail !== undefined && <div class="stat-detail">{props.detail}</div>}
    </div>
  );
}

export function Problem({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <div class="problem" role="alert">
      <strong>{title}</strong> {children}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
