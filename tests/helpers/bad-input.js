// Helpers for the bad-input tests: caller buffers to compare before and after a failing call, detached
// and shared buffers, and the standard malformed tensors for one argument.

// A view whose ArrayBuffer was transferred away, so reading or writing it throws.
function detachedView(ArrayType, length) {
  const buffer = new ArrayBuffer(length * ArrayType.BYTES_PER_ELEMENT);
  const view = new ArrayType(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

// A copy of values in memory backed by a SharedArrayBuffer.
function sharedCopy(ArrayType, values) {
  const buffer = new SharedArrayBuffer(values.length * ArrayType.BYTES_PER_ELEMENT);
  const view = new ArrayType(buffer);
  view.set(values);
  return view;
}

// A copy of values placed byteOffset bytes into a larger ArrayBuffer, with other bytes around it.
function offsetCopy(ArrayType, values, byteOffset) {
  const buffer = new ArrayBuffer(byteOffset + values.length * ArrayType.BYTES_PER_ELEMENT + 16);
  new Uint8Array(buffer).fill(0xa5);
  const view = new ArrayType(buffer, byteOffset, values.length);
  view.set(values);
  return view;
}

function isLiveView(value) {
  return ArrayBuffer.isView(value) && value.buffer.byteLength > 0;
}

// Every TypedArray reachable from value within a few levels (arguments, tensors, options, row_sparse
// gradients), and every live table, so their contents can be compared after a failed call.
function collectBuffers(value, found = new Set(), depth = 0) {
  if (value === null || typeof value !== 'object' || depth > 4 || found.has(value)) return found;
  if (ArrayBuffer.isView(value)) {
    if (isLiveView(value)) found.add(value);
    return found;
  }
  if (typeof value.toTensor === 'function' && typeof value.dispose === 'function') {
    if (!value.disposed) found.add(value);
    return found;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) collectBuffers(item, found, depth + 1);
  return found;
}

function bytesOf(item) {
  const view = ArrayBuffer.isView(item) ? item : item.toTensor().data;
  return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

// Returns a function that lists the buffers among items whose bytes changed since the snapshot.
function snapshotBuffers(items) {
  const saved = [...collectBuffers(items)].map((item) => [item, bytesOf(item)]);
  return () => saved.filter(([item, bytes]) => !bytesOf(item).equals(bytes)).map(([item]) => item);
}

// Malformed forms of one tensor argument whose valid form is good ({ data, shape }). Each entry is
// [case name, bad value, expected error class, texts the message must contain].
function badTensors(argument, good) {
  const { data, shape } = good;
  const ArrayType = data.constructor;
  const length = data.length;
  const shapeText = (dims) => JSON.stringify(dims);
  return [
    ['a string', 'abc', TypeError, [argument, '"abc"']],
    ['null', null, TypeError, [argument, 'null']],
    ['undefined', undefined, TypeError, [argument, 'undefined']],
    ['a boolean', true, TypeError, [argument, 'true']],
    ['an object without data', { shape }, TypeError, [argument, 'data']],
    ['data a string', { data: 'abc', shape }, TypeError, [argument, '"abc"']],
    ['a BigUint64Array', new BigUint64Array(length), TypeError, [argument, 'BigUint64Array']],
    ['a DataView', new DataView(new ArrayBuffer(length * 4)), TypeError, [argument, 'DataView']],
    ['shape not an array', { data, shape: 'abc' }, TypeError, [argument, 'shape', '"abc"']],
    ['a negative dimension', { data, shape: [-1, ...shape.slice(1)] }, RangeError, [argument, 'shape', '-1']],
    ['a fractional dimension', { data, shape: [0.5, ...shape.slice(1)] }, RangeError, [argument, 'shape', '0.5']],
    ['a NaN dimension', { data, shape: [NaN, ...shape.slice(1)] }, RangeError, [argument, 'shape', 'NaN']],
    ['an Infinity dimension', { data, shape: [Infinity, ...shape.slice(1)] }, RangeError, [argument, 'shape', 'Infinity']],
    ['a dimension beyond 2^53', { data, shape: [2 ** 53, ...shape.slice(1)] }, RangeError, [argument, 'shape', String(2 ** 53)]],
    ['shape product above data length', { data, shape: [shape[0] + 1, ...shape.slice(1)] }, RangeError,
      [argument, shapeText([shape[0] + 1, ...shape.slice(1)]).replace(/,/g, ', '), String(length)]],
    ['a detached buffer', { data: detachedView(ArrayType, length), shape }, TypeError, [argument, 'detached']],
    ['a detached TypedArray', detachedView(ArrayType, length), TypeError, [argument, 'detached']],
  ];
}

module.exports = { detachedView, sharedCopy, offsetCopy, snapshotBuffers, badTensors };
