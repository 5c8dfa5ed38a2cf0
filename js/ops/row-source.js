// Weights as row sources for the kernels that decode rows to float32 (bags and decoding gathers): a
// Table, a QuantizedTable or a 2-D float tensor, described first and copied into wasm memory on open().

import { formatShape } from '../errors.js';
import { copyToHeap, release } from '../runtime.js';
import { tableMemory } from '../table.js';
import { isQuantizedTable, quantizedMemory } from '../quantize.js';
import { describeWeight } from './embedding.js';

const FORMAT_CONSTANTS = Object.freeze({
  float32: 'ROW_FORMAT_FLOAT32',
  float64: 'ROW_FORMAT_FLOAT64',
  float16: 'ROW_FORMAT_FLOAT16',
  bfloat16: 'ROW_FORMAT_BFLOAT16',
  int8: 'ROW_FORMAT_QUANTIZED_INT8',
  uint8: 'ROW_FORMAT_QUANTIZED_UINT8',
});

// { shape, dtype, quantized, table?, tensor? } without copying anything. dtype is the storage dtype; for a
// quantized table it is 'int8' or 'uint8' and quantized is true.
export function describeRowSource(module, weight, dtypeOption, functionName) {
  if (isQuantizedTable(weight)) {
    if (dtypeOption !== undefined) {
      throw new TypeError(`${functionName}: options.dtype names a plain weight's dtype, but weight is a quantized ${weight.dtype} table`);
    }
    quantizedMemory(weight, functionName);
    return { shape: weight.shape, dtype: weight.dtype, quantized: true, quantizedTable: weight };
  }
  const source = describeWeight(module, weight, dtypeOption, functionName);
  return { ...source, quantized: false };
}

// Returns { format, pointer, scalesPointer, offsetsPointer, close() }. Tensors are copied in and close()
// frees the copy; tables are read in place.
export function openRowSource(module, source, functionName) {
  const format = module[FORMAT_CONSTANTS[source.dtype]];
  if (source.quantized) {
    const memory = quantizedMemory(source.quantizedTable, functionName);
    return { format, ...memory, close() {} };
  }
  if (source.table) {
    const { pointer } = tableMemory(source.table, functionName);
    return { format, pointer, scalesPointer: 0, offsetsPointer: 0, close() {} };
  }
  const pointer = copyToHeap(module, source.data, `${functionName}: weight ${formatShape(source.shape)}`);
  return {
    format, pointer, scalesPointer: 0, offsetsPointer: 0, close: () => release(module, pointer),
  };
}
