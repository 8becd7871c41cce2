/**
 * @module A minimal ONNX (protobuf) writer for benchmark graphs: enough of ModelProto to state
 * a graph of standard ops over float tensors with raw-data initializers. Field numbers follow
 * onnx/onnx.proto; repeated scalars are written unpacked, which every protobuf reader accepts.
 */

type Field = Uint8Array;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const int = (field: number, n: number): Field => new Uint8Array([...varint(field << 3), ...varint(n)]);
const bytes = (field: number, b: Uint8Array): Field => concat([new Uint8Array([...varint((field << 3) | 2), ...varint(b.length)]), b]);
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, parts: Field[]): Field => bytes(field, concat(parts));

const FLOAT = 1;

export interface OnnxNode { op: string; inputs: string[]; outputs: string[] }
export interface OnnxTensor { name: string; dims: number[]; data: Float32Array }
export interface OnnxValue { name: string; dims: number[] }

const valueInfo = (field: number, v: OnnxValue): Field =>
  msg(field, [str(1, v.name), msg(2, [msg(1, [int(1, FLOAT), msg(2, v.dims.map((d) => msg(1, [int(1, d)])))])])]);

/** Serialises a single-graph model at opset 17. */
export function onnxModel(graph: { nodes: OnnxNode[]; initializers: OnnxTensor[]; inputs: OnnxValue[]; outputs: OnnxValue[] }): Uint8Array {
  const nodes = graph.nodes.map((n, i) => msg(1, [...n.inputs.map((x) => str(1, x)), ...n.outputs.map((x) => str(2, x)), str(3, `n${i}`), str(4, n.op)]));
  const inits = graph.initializers.map((t) => msg(5, [
    ...t.dims.map((d) => int(1, d)), int(2, FLOAT), str(8, t.name),
    bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ]));
  const g = msg(7, [...nodes, str(2, 'bench'), ...inits, ...graph.inputs.map((v) => valueInfo(11, v)), ...graph.outputs.map((v) => valueInfo(12, v))]);
  return concat([int(1, 8), str(2, 'pinface-bench'), g, msg(8, [str(1, ''), int(2, 17)])]);
}
