// The public API, shared by the Node and browser entry points.

export { init, dispose, backendInfo, heapInUseBytes, BACKENDS, MAX_MEMORY_BYTES } from './runtime.js';
export { NotInitializedError, DisposedError } from './errors.js';
export { DTYPES } from './dtypes.js';
export { toFloat16, fromFloat16, toBFloat16, fromBFloat16 } from './half.js';
export { createTable, Table } from './table.js';
export { embedding } from './ops/embedding.js';
export { createHeapTensor, HeapTensor } from './heap-tensor.js';
export { similarity } from './ops/similarity.js';
export { embeddingBackward } from './ops/backward.js';
export { isRowSparse, rowSparseToDense } from './sparse.js';
export { sgdUpdate, sgdMomUpdate, adamUpdate, adagradUpdate } from './ops/optimizers.js';
export { SGD, Adam, AdaGrad } from './optimizers.js';
export { Embedding } from './layers.js';
export { embeddingBag, embeddingBagBackward } from './ops/bag.js';
export { take, takeBackward } from './ops/take.js';
export { quantizeTable, QuantizedTable } from './quantize.js';
