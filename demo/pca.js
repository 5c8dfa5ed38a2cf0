// Principal component analysis of a few hundred points at most, in plain JS: the top components of the
// centred data by power iteration with deflation on the covariance matrix.

const ITERATIONS = 200;

// Returns Float64Array coordinates [count * components] of the rows of points (Float32Array of
// count * dims values) on their first `components` principal axes. Each axis's sign is fixed so that its
// largest-magnitude coefficient is positive, so the picture does not flip between updates.
export function projectPca(points, count, dims, components = 2) {
  const mean = new Float64Array(dims);
  for (let i = 0; i < count; i += 1) {
    for (let d = 0; d < dims; d += 1) mean[d] += points[i * dims + d] / count;
  }

  const centred = new Float64Array(count * dims);
  for (let i = 0; i < count; i += 1) {
    for (let d = 0; d < dims; d += 1) centred[i * dims + d] = points[i * dims + d] - mean[d];
  }

  const covariance = new Float64Array(dims * dims);
  for (let i = 0; i < count; i += 1) {
    const row = i * dims;
    for (let a = 0; a < dims; a += 1) {
      const value = centred[row + a];
      if (value === 0) continue;
      for (let b = 0; b < dims; b += 1) covariance[a * dims + b] += value * centred[row + b];
    }
  }

  const axes = [];
  for (let k = 0; k < components; k += 1) {
    const axis = powerIteration(covariance, dims, k);
    axes.push(axis.vector);
    // Deflate: remove this component so that the next iteration finds the following one.
    for (let a = 0; a < dims; a += 1) {
      for (let b = 0; b < dims; b += 1) covariance[a * dims + b] -= axis.value * axis.vector[a] * axis.vector[b];
    }
  }

  const coordinates = new Float64Array(count * components);
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < components; k += 1) {
      let sum = 0;
      for (let d = 0; d < dims; d += 1) sum += centred[i * dims + d] * axes[k][d];
      coordinates[i * components + k] = sum;
    }
  }
  return coordinates;
}

function powerIteration(matrix, dims, seed) {
  let vector = new Float64Array(dims);
  for (let d = 0; d < dims; d += 1) vector[d] = 1 + ((d * 7919 + seed * 104729) % 97) / 97;
  normalise(vector);

  let value = 0;
  for (let step = 0; step < ITERATIONS; step += 1) {
    const next = new Float64Array(dims);
    for (let a = 0; a < dims; a += 1) {
      let sum = 0;
      for (let b = 0; b < dims; b += 1) sum += matrix[a * dims + b] * vector[b];
      next[a] = sum;
    }
    value = normalise(next);
    if (value === 0) break;
    vector = next;
  }

  let largest = 0;
  for (let d = 0; d < dims; d += 1) if (Math.abs(vector[d]) > Math.abs(vector[largest])) largest = d;
  if (vector[largest] < 0) for (let d = 0; d < dims; d += 1) vector[d] = -vector[d];
  return { vector, value };
}

// Scales vector to unit length in place and returns its former length.
function normalise(vector) {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const length = Math.sqrt(sum);
  if (length > 0) for (let d = 0; d < vector.length; d += 1) vector[d] /= length;
  return length;
}
