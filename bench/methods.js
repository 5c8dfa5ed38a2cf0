// Pieces shared by the timed methods of every case kind: the builds of this library, the result checks and
// the errors that mark a method as unsupported or wrong.

'use strict';

const data = require('./data.js');

// Builds of this library timed in every case: [label, backend, threads].
const VARIANTS = [
  ['simd-threads x2', 'simd-threads', 2],
  ['simd-threads x1', 'simd-threads', 1],
  ['simd', 'simd', undefined],
  ['scalar', 'scalar', undefined],
];

class Unsupported extends Error {}
class WrongResult extends Error {}

// Returns a check function that raises when a result differs from the expected bytes.
function exactCheck(expected) {
  return (actual) => {
    const position = data.firstByteDifference(actual, expected);
    if (position >= 0) throw new WrongResult(`result differs from the reference at byte ${position}`);
  };
}

// Returns a check that accepts float results within an absolute tolerance of the expected values.
function closeCheck(expected, tolerance) {
  return (actual) => {
    const difference = data.maxAbsDifference(actual, expected);
    if (!(difference <= tolerance)) throw new WrongResult(`result differs from the reference by up to ${difference}`);
  };
}

module.exports = { VARIANTS, Unsupported, WrongResult, exactCheck, closeCheck };
