// paddingIdx for embeddingBackward: the padding row receives no gradient, as in PyTorch's Embedding.

import { isTypedArray } from '../tensor.js';
import { checkDimension } from '../options.js';
import { isRowSparse } from '../sparse.js';
import { resolvePaddingIdx } from './bag.js';

const FUNCTION_NAME = 'embeddingBackward';

// The padding row of an 'add' target before the call: its values, null when a row_sparse target does not
// list it, or undefined when the target is malformed (the backward itself then raises).
function savePaddingRow(grad, paddingRow, sparse) {
  if (sparse) {
    if (!isRowSparse(grad) || !(grad.indices instanceof Int32Array) || !isTypedArray(grad.values?.data)) return undefined;
    const k = grad.indices.indexOf(paddingRow);
    if (k < 0) return null;
    const columns = grad.shape[1];
    return grad.values.data.slice(k * columns, (k + 1) * columns);
  }
  if (grad === null || typeof grad !== 'object' || !isTypedArray(grad.data) || !Array.isArray(grad.shape)) return undefined;
  const columns = grad.shape[1];
  return grad.data.slice(paddingRow * columns, (paddingRow + 1) * columns);
}

// Removes row k from a row_sparse gradient, in place.
function dropSparseRow(gradient, k) {
  const columns = gradient.shape[1];
  const { data } = gradient.values;
  const values = new data.constructor(data.length - columns);
  values.set(data.subarray(0, k * columns));
  values.set(data.subarray((k + 1) * columns), k * columns);
  gradient.indices = Int32Array.from([...gradient.indices.subarray(0, k), ...gradient.indices.subarray(k + 1)]);
  gradient.values = { ...gradient.values, data: values, shape: [gradient.indices.length, columns] };
}

// Runs backward (embeddingBackward) without paddingIdx, then gives the padding row back the value it had
// before: zero for 'write', the target's previous row (or no row in a row_sparse target) for 'add'.
export function embeddingBackwardWithPadding(data, outGrad, options, backward) {
  const { paddingIdx, ...rest } = options;
  if (rest.inputDim === undefined) return backward(data, outGrad, rest);
  const inputDim = checkDimension(rest.inputDim, `${FUNCTION_NAME}: options.inputDim`, 2 ** 31 - 1);
  const paddingRow = resolvePaddingIdx(paddingIdx, inputDim, FUNCTION_NAME);
  const sparse = rest.sparseGrad === true;
  const add = rest.gradReq === 'add';
  const saved = add ? savePaddingRow(rest.grad, paddingRow, sparse) : null;

  const result = backward(data, outGrad, rest);
  if (paddingRow < 0) return result;
  const columns = result.shape[1];
  if (!sparse) {
    if (add) result.data.set(saved, paddingRow * columns);
    else result.data.fill(0, paddingRow * columns, (paddingRow + 1) * columns);
    return result;
  }

  const k = result.indices.indexOf(paddingRow);
  if (k < 0) return result;
  if (add && saved) {
    result.values.data.set(saved, k * columns);
  } else {
    dropSparseRow(result, k);
  }
  return result;
}
