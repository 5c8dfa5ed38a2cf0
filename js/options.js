// Validation helpers for option objects and scalar options.

import { describe } from './errors.js';

// Returns options as an object (undefined gives {}), rejecting non-objects and unknown keys so that typos
// surface instead of being ignored.
export function checkOptions(options, functionName, allowed) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new TypeError(`${functionName}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    // A key set to undefined counts as absent, as a destructuring default would treat it.
    if (options[key] !== undefined && !allowed.includes(key)) {
      throw new TypeError(`${functionName}: unknown option ${describe(key)}; expected one of ${allowed.join(', ')}`);
    }
  }
  return options;
}

export function checkBoolean(value, name, defaultValue) {
  if (value === undefined) return defaultValue;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

// A dimension option: a non-negative safe integer no larger than max, or undefined.
export function checkDimension(value, name, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describe(value)}`);
  }
  if (value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${describe(value)}`);
  }
  return value;
}
