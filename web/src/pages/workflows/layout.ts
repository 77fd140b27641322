/** A layered ("Sugiyama-lite") layout for a few dozen steps: cycles broken by a depth-first
 * walk from the start, layers by longest path, order within a layer by the mean position
 * of the nodes above (two sweeps). Enough for workflows; no layout library needed. */

export interface LayoutNode {
  key: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface LayoutEdge {
  index: number;
  from: string;
  to: string;
  back: boolean;
}

export interface Layout {
  nodes: Map<string, LayoutNode>;
  edges: LayoutEdge[];
  width: number;
  height: number;
}

export const NODE_W = 150;
export const NODE_H = 48;
const GAP_X = 70;
const GAP_Y = 36;
const PAD = 20;

export function layout(keys: string[], edgesIn: { from?: string; to?: string }[], starts: string[] = []): Layout {
  const known = new Set(keys);
  const out = new Map<string, string[]>(keys.map((k) => [k, []]));
  const edges: LayoutEdge[] = [];
  edgesIn.forEach((edge, index) => {
    if (edge.from && edge.to && known.has(edge.from) && known.has(edge.to) && edge.from !== edge.to) {
      edges.push({ index, from: edge.from, to: edge.to, back: false });
      out.get(edge.from)!.push(edge.to);
    }
  });

  // Break cycles: an edge to a node still on the walk's stack goes back.
  const state = new Map<string, 1 | 2>();
  const backPairs = new Set<string>();
  const visit = (key: string) => {
    state.set(key, 1);
    for (const next of out.get(key)!) {
      if (state.get(next) === 1) backPairs.add(`${key}\u0000${next}`);
      else if (!state.has(next)) visit(next);
    }
    state.set(key, 2);
  };
  for (const key of [...starts.filter((k) => known.has(k)), ...keys]) if (!state.has(key)) visit(key);
  for (const edge of edges) edge.back = backPairs.has(`${edge.from}\u0000${edge.to}`);

  // Longest path from the sources, over forward edges only.
  const layerOf = new Map<string, number>(keys.map((k) => [k, 0]));
  const forward = edges.filter((e) => !e.back);
  for (let pass = 0; pass < keys.length; pass += 1) {
    let changed = false;
    for (const edge of forward) {
      const want = layerOf.get(edge.from)! + 1;
      if (want > layerOf.get(edge.to)!) {
        layerOf.set(edge.to, want);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const layers: string[][] = [];
  for (const key of keys) (layers[layerOf.get(key)!] ??= []).push(key);
  const position = new Map<string, number>();
  layers.forEach((layer) => layer.forEach((key, i) => position.set(key, i)));
  const parents = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const edge of forward) parents.get(edge.to)!.push(edge.from);
  for (let sweep = 0; sweep < 2; sweep += 1) {
    for (const layer of layers.slice(1)) {
      if (!layer) continue;
      const mean = (key: string) => {
        const ps = parents.get(key)!;
        return ps.length ? ps.reduce((sum, p) => sum + position.get(p)!, 0) / ps.length : position.get(key)!;
      };
      layer.sort((a, b) => mean(a) - mean(b));
      layer.forEach((key, i) => position.set(key, i));
    }
  }

  const tallest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y + 40;
  const nodes = new Map<string, LayoutNode>();
  layers.forEach((layer, layerIndex) => {
    if (!layer) return;
    const span = layer.length * NODE_H + (layer.length - 1) * GAP_Y;
    const top = (height - 40 - span) / 2;
    layer.forEach((key, order) => {
      nodes.set(key, {
        key,
        layer: layerIndex,
        order,
        x: PAD + layerIndex * (NODE_W + GAP_X),
        y: top + order * (NODE_H + GAP_Y),
      });
    });
  });
  const width = PAD * 2 + Math.max(1, layers.length) * NODE_W + Math.max(0, layers.length - 1) * GAP_X;
  return { nodes, edges, width, height };
}
