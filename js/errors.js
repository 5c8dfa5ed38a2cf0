// Error classes and message helpers shared by every public function.
//
// Wrong types and dtypes raise TypeError, bad index, dimension or shape values raise RangeError; both are
// the built-in classes so that `instanceof TypeError` works as callers expect. The classes below cover the
// remaining cases: using the library before init() or after dispose(), and using a disposed table.

export class NotInitializedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NotInitializedError';
  }
}

export class DisposedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DisposedError';
  }
}

const MAX_DESCRIBED_LENGTH = 60;

// Short, unambiguous text for a value in an error message: strings quoted, arrays and typed arrays by
// kind and length, objects by constructor name.
export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const text = value.length > MAX_DESCRIBED_LENGTH ? `${value.slice(0, MAX_DESCRIBED_LENGTH)}...` : value;
    return JSON.stringify(text);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length ?? value.byteLength})`;
  if (Array.isArray(value)) {
    const text = JSON.stringify(value, (key, item) => (typeof item === 'bigint' ? `${item}n` : item));
    if (text !== undefined && text.length <= MAX_DESCRIBED_LENGTH) return text;
    return `an array of length ${value.length}`;
  }
  const name = value.constructor && value.constructor.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

export function formatShape(shape) {
  return `[${shape.join(', ')}]`;
}
