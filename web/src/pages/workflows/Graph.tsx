import { useId, useMemo, useState } from "react";

import { layout, NODE_H, NODE_W } from "./layout";
import { problemsByItem, roleText, type DefinitionDraft } from "./model";

interface Props {
  definition: DefinitionDraft;
  problems?: Record<string, string[]>;
  /** Called when a step or transition is chosen (Enter or click): the editor focuses it. */
  onSelect?: (path: string) => void;
  title?: string;
}

function edgePath(ax: number, ay: number, bx: number, by: number, back: boolean, bottom: number): string {
  if (back) {
    // Back edges run below the graph, so they never cross the steps.
    return `M${ax},${ay + NODE_H / 2} C${ax},${bottom} ${bx + NODE_W},${bottom} ${bx + NODE_W},${by + NODE_H / 2}`;
  }
  const sx = ax + NODE_W;
  const sy = ay + NODE_H / 2;
  const ty = by + NODE_H / 2;
  const mid = (sx + bx) / 2;
  return `M${sx},${sy} C${mid},${sy} ${mid},${ty} ${bx},${ty}`;
}

/** The steps as nodes and the transitions as edges, laid out in layers from the start;
 * beside it the same as two lists, so every step and transition is reachable by keyboard
 * and screen reader. Focusing either highlights it in both. */
export function WorkflowGraph({ definition, problems = {}, onSelect, title = "Workflow graph" }: Props) {
  const [active, setActive] = useState<string | null>(null);
  // Own ids: a version's graph and the (hidden, still mounted) draft's share the page.
  const ids = useId();
  const steps = definition.steps;
  const transitions = definition.transitions;
  const keys = useMemo(() => [...new Set(steps.map((s) => s.key).filter((k): k is string => typeof k === "string" && k !== ""))], [steps]);
  const starts = steps.filter((s) => s.start).map((s) => s.key);
  const graph = useMemo(() => layout(keys, transitions, starts), [keys, transitions, starts.join(",")]);
  const broken = problemsByItem(problems);
  const stepIndex = new Map(steps.map((s, i) => [s.key, i]));
  const bottom = graph.height - 8;

  const choose = (path: string) => onSelect?.(path);
  const keyActivate = (path: string) => (event: React.KeyboardEvent) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose(path);
    }
  };

  if (!keys.length) return <p className="muted">No steps yet: add one to see the graph.</p>;

  return (
    <div className="wf-graph">
      <div className="wf-canvas">
        <svg
          role="group"
          aria-label={`${title}: ${keys.length} steps, ${transitions.length} transitions`}
          viewBox={`0 0 ${graph.width} ${graph.height}`}
          width={graph.width}
          height={graph.height}
        >
          <defs>
            <marker id={`${ids}-arrow`} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
            </marker>
          </defs>
          {graph.edges.map((edge) => {
            const a = graph.nodes.get(edge.from)!;
            const b = graph.nodes.get(edge.to)!;
            const id = `t${edge.index}`;
            const t = transitions[edge.index]!;
            const label = t.name || t.key;
            const mx = edge.back ? (a.x + b.x + NODE_W) / 2 : (a.x + NODE_W + b.x) / 2;
            const my = edge.back ? bottom - 12 : (a.y + b.y + NODE_H) / 2 - 6;
            const bad = broken.transitions.has(edge.index);
            return (
              <g
                key={id}
                className={`wf-edge${active === id ? " active" : ""}${bad ? " bad" : ""}${edge.back ? " back" : ""}`}
                tabIndex={0}
                role="button"
                aria-label={`Transition ${label}: from ${edge.from} to ${edge.to}${bad ? " (has problems)" : ""}`}
                onFocus={() => setActive(id)}
                onBlur={() => setActive(null)}
                onClick={() => choose(`transitions.${edge.index}`)}
                onKeyDown={keyActivate(`transitions.${edge.index}`)}
              >
                <path d={edgePath(a.x, a.y, b.x, b.y, edge.back, bottom)} fill="none" markerEnd={`url(#${ids}-arrow)`} />
                <text x={mx} y={my} textAnchor="middle" className="wf-edge-label">
                  {bad ? "⚠ " : ""}
                  {label}
                </text>
              </g>
            );
          })}
          {keys.map((key) => {
            const node = graph.nodes.get(key)!;
            const index = stepIndex.get(key)!;
            const step = steps[index]!;
            const id = `s${index}`;
            const bad = broken.steps.has(index);
            const kind = step.start ? "Start" : step.end ? "End" : "";
            return (
              <g
                key={key}
                className={`wf-node${active === id ? " active" : ""}${bad ? " bad" : ""}${step.end ? " end" : ""}${step.start ? " start" : ""}`}
                transform={`translate(${node.x},${node.y})`}
                tabIndex={0}
                role="button"
                aria-label={`Step ${step.name || key}${kind ? ` (${kind.toLowerCase()})` : ""}${bad ? " (has problems)" : ""}`}
                onFocus={() => setActive(id)}
                onBlur={() => setActive(null)}
                onClick={() => choose(`steps.${index}`)}
                onKeyDown={keyActivate(`steps.${index}`)}
              >
                <rect width={NODE_W} height={NODE_H} rx={step.end ? 24 : 6} />
                <text x={10} y={20} className="wf-node-name">
                  {(step.name || key).slice(0, 18)}
                </text>
                <text x={10} y={37} className="wf-node-meta">
                  {[kind, bad ? "⚠ problem" : roleText(step.role)].filter(Boolean).join(" · ").slice(0, 24)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <div className="wf-lists">
        <h3 id={`${ids}-steps`}>Steps</h3>
        <ul aria-labelledby={`${ids}-steps`}>
          {steps.map((step, index) => (
            <li key={index}>
              <button
                type="button"
                className={`linkish${active === `s${index}` ? " active" : ""}`}
                onFocus={() => setActive(`s${index}`)}
                onBlur={() => setActive(null)}
                onClick={() => choose(`steps.${index}`)}
              >
                {step.name || step.key || `Step ${index + 1}`}
              </button>{" "}
              <span className="muted small">
                {[step.start && "start", step.end && "end", roleText(step.role)].filter(Boolean).join(" · ")}
                {broken.steps.has(index) && <strong className="form-error"> · has problems</strong>}
              </span>
            </li>
          ))}
        </ul>
        <h3 id={`${ids}-transitions`}>Transitions</h3>
        {transitions.length ? (
          <ul aria-labelledby={`${ids}-transitions`}>
            {transitions.map((t, index) => (
              <li key={index}>
                <button
                  type="button"
                  className={`linkish${active === `t${index}` ? " active" : ""}`}
                  onFocus={() => setActive(`t${index}`)}
                  onBlur={() => setActive(null)}
                  onClick={() => choose(`transitions.${index}`)}
                >
                  {t.name || t.key || `Transition ${index + 1}`}
                </button>{" "}
                <span className="muted small">
                  {t.from ?? "?"} → {t.to ?? "?"}
                  {broken.transitions.has(index) && <strong className="form-error"> · has problems</strong>}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No transitions.</p>
        )}
      </div>
    </div>
  );
}
