/**
 * @module ONNX protobuf: read and write ModelProto with protobufjs over a descriptor of the part
 * of onnx/onnx.proto (IR version 8) that inference graphs use. Field numbers are onnx.proto's;
 * a field missing here would be dropped on re-encoding, so every field of these messages that
 * an inference graph can carry is listed.
 */
import protobuf from 'protobufjs';

const repeated = (type: string, id: number, packed?: boolean) => ({ rule: 'repeated', type, id, ...(packed ? { options: { packed: true } } : {}) });

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 }, opset_import: repeated('OperatorSetIdProto', 8),
            producer_name: { type: 'string', id: 2 }, producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 }, model_version: { type: 'int64', id: 5 }, doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 }, metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1), name: { type: 'string', id: 2 }, initializer: repeated('TensorProto', 5),
            doc_string: { type: 'string', id: 10 }, input: repeated('ValueInfoProto', 11), output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1), output: repeated('string', 2), name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 }, domain: { type: 'string', id: 7 }, attribute: repeated('AttributeProto', 5),
            doc_string: { type: 'string', id: 6 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 }, ref_attr_name: { type: 'string', id: 21 }, doc_string: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 }, f: { type: 'float', id: 2 }, i: { type: 'int64', id: 3 }, s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 }, g: { type: 'GraphProto', id: 6 }, floats: repeated('float', 7), ints: repeated('int64', 8),
            strings: repeated('bytes', 9), tensors: repeated('TensorProto', 10), graphs: repeated('GraphProto', 11),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1), data_type: { type: 'int32', id: 2 }, float_data: repeated('float', 4, true),
            int32_data: repeated('int32', 5, true), string_data: repeated('bytes', 6), int64_data: repeated('int64', 7, true),
            name: { type: 'string', id: 8 }, doc_string: { type: 'string', id: 12 }, raw_data: { type: 'bytes', id: 9 },
            double_data: repeated('double', 10, true), uint64_data: repeated('uint64', 11, true),
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, doc_string: { type: 'string', id: 3 } } },
        TypeProto: { fields: { tensor_type: { type: 'TypeProtoTensor', id: 1 }, denotation: { type: 'string', id: 6 } } },
        TypeProtoTensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: repeated('Dimension', 1) } },
        Dimension: { fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } } },
      },
    },
  },
});

export enum AttributeType { FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7 }
export enum DataType { FLOAT = 1, INT64 = 7, BOOL = 9 }

export interface Attribute { name: string; type: number; f?: number; i?: number; s?: Uint8Array; ints?: number[]; floats?: number[]; t?: Tensor }
export interface Node { input: string[]; output: string[]; name?: string; op_type: string; domain?: string; attribute: Attribute[] }
export interface Tensor { name: string; dims: number[]; data_type: number; raw_data?: Uint8Array; float_data?: number[]; int64_data?: number[]; int32_data?: number[] }
export interface ValueInfo { name: string; type?: { tensor_type?: { elem_type: number; shape?: { dim: Array<{ dim_value?: number; dim_param?: string }> } } } }
export interface Graph { node: Node[]; name: string; initializer: Tensor[]; input: ValueInfo[]; output: ValueInfo[]; value_info: ValueInfo[] }
export interface Model { ir_version: number; opset_import: Array<{ domain: string; version: number }>; producer_name?: string; graph: Graph }

const ModelProto = root.lookupType('onnx.ModelProto');

/** Decodes a model; int64 fields become numbers (every dimension and attribute we meet fits). */
export function readModel(bytes: Uint8Array): Model {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, arrays: true, defaults: false }) as unknown as Model;
}

export function writeModel(model: Model): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Float tensor with its values, whichever field the file stored them in. */
export function tensorValues(t: Tensor): Float32Array {
  if (t.data_type !== DataType.FLOAT) throw new Error(`[pinface] [onnx] tensor ${t.name} is not float (data_type ${t.data_type})`);
  if (t.raw_data?.length) return new Float32Array(Uint8Array.from(t.raw_data).buffer);
  return Float32Array.from(t.float_data ?? []);
}

export const floatTensor = (name: string, dims: number[], data: Float32Array): Tensor =>
  ({ name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
/** The values of an INT64 tensor, from int64_data or raw_data. */
export function int64Values(t: Tensor): number[] {
  if (t.int64_data?.length) return t.int64_data.map(Number);
  if (t.raw_data?.length) return Array.from(new BigInt64Array(Uint8Array.from(t.raw_data).buffer), Number);
  return [];
}
export const int64Tensor = (name: string, dims: number[], data: number[]): Tensor => ({ name, dims, data_type: DataType.INT64, int64_data: data });

export const node = (op_type: string, input: string[], output: string[], attribute: Attribute[] = []): Node => ({ op_type, input, output, attribute });
export const ints = (name: string, v: number[]): Attribute => ({ name, type: AttributeType.INTS, ints: v });
export const int = (name: string, v: number): Attribute => ({ name, type: AttributeType.INT, i: v });

/** A float tensor value-info; dims may name symbolic sizes (e.g. 'N'). */
export const floatValue = (name: string, dims: Array<number | string>): ValueInfo => ({
  name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

/** The model with some float initializers replaced by new values (same names and shapes): trained weights into their graph. */
export function withWeights(model: Model, weights: ReadonlyMap<string, Float32Array>): Model {
  const initializer = model.graph.initializer.map((t) => {
    const w = weights.get(t.name);
    if (!w) return t;
    if (w.length !== t.dims.reduce((a, b) => a * Number(b), 1)) throw new Error(`[pinface] [onnx] ${t.name}: ${w.length} values for dims ${t.dims.join('x')}`);
    return floatTensor(t.name, t.dims.map(Number), w);
  });
  return { ...model, graph: { ...model.graph, initializer } };
}
