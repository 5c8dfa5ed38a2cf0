// Builds one-node ONNX models (Gather, ScatterND) as serialized ModelProto bytes for onnxruntime-web, which
// ships no model builder. Only the ModelProto fields these models use are encoded; field numbers follow
// onnx/onnx.proto (ONNX 1.x).

'use strict';

// TensorProto.DataType values.
const ONNX_DTYPE = Object.freeze({ float32: 1, int32: 6, int64: 7, float16: 10, bfloat16: 16 });

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

const textEncoder = new TextEncoder();

// A growable byte buffer with the protobuf primitives the models need.
class ProtoWriter {
  constructor() {
    this.chunks = [];
  }

  varint(value) {
    let rest = BigInt(value);
    const bytes = [];
    do {
      let byte = Number(rest & 0x7fn);
      rest >>= 7n;
      if (rest !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (rest !== 0n);
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }

  tag(field, wireType) {
    return this.varint((field << 3) | wireType);
  }

  int(field, value) {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  bytes(field, data) {
    this.tag(field, WIRE_BYTES).varint(data.byteLength);
    this.chunks.push(data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return this;
  }

  string(field, text) {
    return this.bytes(field, textEncoder.encode(text));
  }

  message(field, writer) {
    return this.bytes(field, writer.finish());
  }

  finish() {
    const length = this.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const result = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      result.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return result;
  }
}

// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian element bytes).
function tensorProto(name, dtype, shape, data) {
  const writer = new ProtoWriter();
  for (const dim of shape) writer.int(1, dim);
  writer.int(2, ONNX_DTYPE[dtype]);
  writer.string(8, name);
  writer.bytes(9, data);
  return writer;
}

// ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 { dim_value = 1 } } } } }.
function valueInfo(name, dtype, shape) {
  const shapeProto = new ProtoWriter();
  for (const dim of shape) shapeProto.message(1, new ProtoWriter().int(1, dim));
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE[dtype]).message(2, shapeProto);
  const typeProto = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, typeProto);
}

// AttributeProto with a string value: name = 1, s = 4, type = 20 (STRING = 3).
function stringAttribute(name, value) {
  return new ProtoWriter().string(1, name).string(4, value).int(20, 3);
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
function nodeProto(opType, inputs, outputs, attributes = []) {
  const writer = new ProtoWriter();
  for (const input of inputs) writer.string(1, input);
  for (const output of outputs) writer.string(2, output);
  writer.string(3, `${opType.toLowerCase()}_node`);
  writer.string(4, opType);
  for (const attribute of attributes) writer.message(5, attribute);
  return writer;
}

// ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 }.
// GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
function modelProto({ node, initializers, inputs, outputs }) {
  const graph = new ProtoWriter().message(1, node).string(2, 'graph');
  for (const initializer of initializers) graph.message(5, initializer);
  for (const input of inputs) graph.message(11, input);
  for (const output of outputs) graph.message(12, output);

  // IR version 8 with opset 18: ScatterND's reduction attribute needs opset 16 or later.
  return new ProtoWriter()
    .int(1, 8)
    .string(2, 'wasm-embedding-bench')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, 18))
    .finish();
}

// Gather(weight, indices) along axis 0, with the weight stored in the model as an initializer.
function gatherModel({ weight, dtype, rows, columns, count, indexDtype = 'int32' }) {
  return modelProto({
    node: nodeProto('Gather', ['weight', 'indices'], ['output']),
    initializers: [tensorProto('weight', dtype, [rows, columns], weight)],
    inputs: [valueInfo('indices', indexDtype, [count])],
    outputs: [valueInfo('output', dtype, [count, columns])],
  });
}

// ScatterND(zeros, indices [count, 1], updates [count, columns]) with reduction 'add': the dense
// embedding gradient. The zero tensor is an initializer, so every run starts from zeros.
function scatterAddModel({ dtype, rows, columns, count }) {
  const zeros = new Uint8Array(rows * columns * (dtype === 'float32' ? 4 : 2));
  return modelProto({
    node: nodeProto('ScatterND', ['zeros', 'indices', 'updates'], ['grad'], [stringAttribute('reduction', 'add')]),
    initializers: [tensorProto('zeros', dtype, [rows, columns], zeros)],
    inputs: [valueInfo('indices', 'int64', [count, 1]), valueInfo('updates', dtype, [count, columns])],
    outputs: [valueInfo('grad', dtype, [rows, columns])],
  });
}

module.exports = { gatherModel, scatterAddModel, ONNX_DTYPE };
