const { library, initBackend, BACKEND } = require('../helpers/library');
const {
  DTYPE_RULES, referenceBackward, referenceUpdate, seededRandom, randomStored,
} = require('../helpers/training-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

function bitsOf(array) {
  return Array.from(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

function sparseGrad(indices, data, shape, dtype = 'float32') {
  return {
    storage: 'row_sparse', indices: new Int32Array(indices), values: { data, shape: [indices.length, shape[1]] }, shape, dtype,
  };
}

describe('optimizer classes', () => {
  test('SGD defaults to lr 0.01 without state', () => {
    const random = seededRandom(1);
    const weightData = randomStored(random, 'float32', 6);
    const gradData = randomStored(random, 'float32', 6);
    const weight = { data: weightData.slice(), shape: [2, 3], dtype: 'float32' };
    const optimizer = new library.SGD();
    optimizer.step(weight, { data: gradData, shape: [2, 3], dtype: 'float32' });
    const expected = referenceUpdate('sgd', 'float32', weightData, { data: gradData }, [], [2, 3], { lr: 0.01 }, true);
    expect(optimizer.lr).toBe(0.01);
    expect(bitsOf(weight.data)).toEqual(bitsOf(expected.weight));
    expect(optimizer.stepCount(weight)).toBe(1);
    optimizer.dispose();
  });

  test('SGD with momentum keeps its momentum', () => {
    const random = seededRandom(2);
    const weightData = randomStored(random, 'float32', 4);
    const gradData = randomStored(random, 'float32', 4);
    const weight = { data: weightData.slice(), shape: [2, 2], dtype: 'float32' };
    const optimizer = new library.SGD({ lr: 0.1, momentum: 0.9 });
    const grad = { data: gradData, shape: [2, 2], dtype: 'float32' };
    optimizer.step(weight, grad);
    optimizer.step(weight, grad);
    const params = { lr: 0.1, momentum: 0.9 };
    const first = referenceUpdate('sgdMom', 'float32', weightData, { data: gradData }, [new Float32Array(4)], [2, 2], params, true);
    const second = referenceUpdate('sgdMom', 'float32', first.weight, { data: gradData }, [first.s0], [2, 2], params, true);
    expect(bitsOf(weight.data)).toEqual(bitsOf(second.weight));
    optimizer.dispose();
  });

  test('Adam corrects lr with the per-weight step count', () => {
    const shape = [3, 4];
    const random = seededRandom(3);
    const weightData = randomStored(random, 'float32', 12);
    const firstValues = randomStored(random, 'float32', 4);
    const secondValues = randomStored(random, 'float32', 4);
    const weight = { data: weightData.slice(), shape, dtype: 'float32' };
    const optimizer = new library.Adam({ lr: 0.01 });
    optimizer.step(weight, sparseGrad([0], firstValues, shape));
    optimizer.step(weight, sparseGrad([1], secondValues, shape));

    // Row 1 is first touched at step 2, so its update uses t = 2.
    const corrected = (t) => 0.01 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
    const zeros = () => new Float32Array(12);
    const first = referenceUpdate('adam', 'float32', weightData, { indices: [0], data: firstValues }, [zeros(), zeros()], shape,
      { lr: corrected(1) }, true);
    const second = referenceUpdate('adam', 'float32', first.weight, { indices: [1], data: secondValues }, [first.s0, first.s1], shape,
      { lr: corrected(2) }, true);
    expect(bitsOf(weight.data)).toEqual(bitsOf(second.weight));
    expect(optimizer.stepCount(weight)).toBe(2);
    optimizer.dispose();
  });

  test('Adam counts steps per weight', () => {
    const optimizer = new library.Adam();
    const a = { data: new Float32Array(2), shape: [1, 2], dtype: 'float32' };
    const b = { data: new Float32Array(2), shape: [1, 2], dtype: 'float32' };
    const grad = { data: new Float32Array([1, 1]), shape: [1, 2], dtype: 'float32' };
    optimizer.step(a, grad);
    optimizer.step(a, grad);
    optimizer.step(b, grad);
    expect(optimizer.stepCount(a)).toBe(2);
    expect(optimizer.stepCount(b)).toBe(1);
    // With bias correction the first step moves every element by lr (to float32 precision).
    expect(b.data[0]).toBeCloseTo(-0.001, 6);
    optimizer.dispose();
  });

  test('AdaGrad defaults to lr 0.01 and epsilon 1e-7', () => {
    const weight = { data: new Float64Array([0]), shape: [1, 1], dtype: 'float64' };
    const optimizer = new library.AdaGrad();
    optimizer.step(weight, { data: new Float64Array([2]), shape: [1, 1], dtype: 'float64' });
    expect(weight.data[0]).toBe(0 - (0.01 * 2) / (Math.sqrt(4) + 1e-7));
    optimizer.dispose();
  });

  test('table weights keep table state and free it', () => {
    const shape = [5, 3];
    const random = seededRandom(4);
    const weightData = randomStored(random, 'float32', 15);
    const gradValues = randomStored(random, 'float32', 6);
    const table = library.createTable({ data: weightData, shape, dtype: 'float32' });
    const tensor = { data: weightData.slice(), shape, dtype: 'float32' };
    const before = library.heapInUseBytes();
    const tableOptimizer = new library.Adam({ lr: 0.05 });
    const tensorOptimizer = new library.Adam({ lr: 0.05 });
    for (let step = 0; step < 3; step += 1) {
      tableOptimizer.step(table, sparseGrad([1, 4], gradValues, shape));
      tensorOptimizer.step(tensor, sparseGrad([1, 4], gradValues, shape));
    }
    expect(library.heapInUseBytes()).toBeGreaterThan(before);
    expect(bitsOf(table.toTensor().data)).toEqual(bitsOf(tensor.data));
    tableOptimizer.dispose();
    tableOptimizer.dispose();
    tensorOptimizer.dispose();
    expect(library.heapInUseBytes()).toBe(before);
    table.dispose();
  });

  test('multiPrecision keeps a float32 master copy', () => {
    const shape = [2, 5];
    const random = seededRandom(5);
    const masterData = randomStored(random, 'float32', 10);
    const halfData = Uint16Array.from(masterData, (value) => DTYPE_RULES.float16.encode(value));
    const master = Float32Array.from(halfData, (bits) => DTYPE_RULES.float16.decode(bits));
    const gradBits = randomStored(random, 'float16', 10);
    const weight = { data: halfData.slice(), shape, dtype: 'float16' };
    const optimizer = new library.SGD({ lr: 1e-4, momentum: 0.5, multiPrecision: true });
    const grad = { data: gradBits, shape, dtype: 'float16' };
    const gradFloat = Float32Array.from(gradBits, (bits) => DTYPE_RULES.float16.decode(bits));

    let expected = { weight: master, s0: new Float32Array(10) };
    for (let step = 0; step < 4; step += 1) {
      optimizer.step(weight, grad);
      expected = referenceUpdate('sgdMom', 'float32', expected.weight, { data: gradFloat }, [expected.s0], shape,
        { lr: 1e-4, momentum: 0.5 }, true);
    }
    const expectedHalf = Uint16Array.from(expected.weight, (value) => DTYPE_RULES.float16.encode(value));
    expect(Array.from(weight.data)).toEqual(Array.from(expectedHalf));
    optimizer.dispose();
  });

  test('multiPrecision works with table weights', () => {
    const shape = [3, 4];
    const random = seededRandom(6);
    const bits = randomStored(random, 'bfloat16', 12);
    const gradBits = randomStored(random, 'bfloat16', 4);
    const table = library.createTable({ data: bits, shape, dtype: 'bfloat16' });
    const tensor = { data: bits.slice(), shape, dtype: 'bfloat16' };
    const tableOptimizer = new library.Adam({ lr: 0.01, multiPrecision: true });
    const tensorOptimizer = new library.Adam({ lr: 0.01, multiPrecision: true });
    for (let step = 0; step < 3; step += 1) {
      tableOptimizer.step(table, sparseGrad([2], gradBits, shape, 'bfloat16'));
      tensorOptimizer.step(tensor, sparseGrad([2], gradBits, shape, 'bfloat16'));
    }
    expect(Array.from(table.toTensor().data)).toEqual(Array.from(tensor.data));
    expect(Array.from(tensor.data.subarray(8))).not.toEqual(Array.from(bits.subarray(8)));
    expect(Array.from(tensor.data.subarray(0, 8))).toEqual(Array.from(bits.subarray(0, 8)));
    tableOptimizer.dispose();
    tensorOptimizer.dispose();
    table.dispose();
  });

  test('without multiPrecision float16 weights update in float16', () => {
    const shape = [1, 3];
    const weightBits = Uint16Array.from([1, 2, 3], (value) => DTYPE_RULES.float16.encode(value));
    const gradBits = Uint16Array.from([1, 1, 1], (value) => DTYPE_RULES.float16.encode(value));
    const weight = { data: weightBits.slice(), shape, dtype: 'float16' };
    const optimizer = new library.AdaGrad({ lr: 0.1 });
    optimizer.step(weight, { data: gradBits, shape, dtype: 'float16' });
    const expected = referenceUpdate('adagrad', 'float16', weightBits, { data: gradBits }, [new Uint16Array(3)], shape,
      { lr: 0.1, epsilon: 1e-7 }, true);
    expect(Array.from(weight.data)).toEqual(Array.from(expected.weight));
    optimizer.dispose();
  });

  test('invalid options raise in the constructor', () => {
    expect(() => new library.SGD({ lr: -1 })).toThrow(RangeError);
    expect(() => new library.SGD({ momentum: 1 })).toThrow(RangeError);
    expect(() => new library.Adam({ beta1: 1.5 })).toThrow(RangeError);
    expect(() => new library.AdaGrad({ epsilon: 0 })).toThrow(RangeError);
    expect(() => new library.Adam({ multiPrecision: 'yes' })).toThrow(TypeError);
    expect(() => new library.Adam({ beta3: 0 })).toThrow(TypeError);
  });

  test('lr can change between steps', () => {
    const optimizer = new library.SGD({ lr: 1 });
    const weight = { data: new Float64Array([0]), shape: [1, 1], dtype: 'float64' };
    const grad = { data: new Float64Array([1]), shape: [1, 1], dtype: 'float64' };
    optimizer.step(weight, grad);
    optimizer.lr = 0.5;
    optimizer.step(weight, grad);
    expect(weight.data[0]).toBe(-1.5);
    expect(() => { optimizer.lr = -1; }).toThrow(RangeError);
    expect(optimizer.lr).toBe(0.5);
    optimizer.dispose();
  });

  test('step after dispose raises', () => {
    const optimizer = new library.SGD();
    optimizer.dispose();
    expect(() => optimizer.step({ data: new Float32Array(1), shape: [1, 1] }, [[1]])).toThrow(/disposed/);
  });
});

describe('Embedding layer', () => {
  test('seeded initialisation is uniform in (-0.07, 0.07)', () => {
    const a = new library.Embedding({ inputDim: 50, outputDim: 8, seed: 7 });
    const b = new library.Embedding({ inputDim: 50, outputDim: 8, seed: 7 });
    const c = new library.Embedding({ inputDim: 50, outputDim: 8, seed: 8 });
    try {
      const values = a.weight.toTensor().data;
      expect(a.weight.shape).toEqual([50, 8]);
      expect(a.weight.dtype).toBe('float32');
      expect(Math.max(...values)).toBeLessThan(0.07);
      expect(Math.min(...values)).toBeGreaterThan(-0.07);
      expect(Math.max(...values)).toBeGreaterThan(0.05);
      expect(Math.min(...values)).toBeLessThan(-0.05);
      expect(Array.from(b.weight.toTensor().data)).toEqual(Array.from(values));
      expect(Array.from(c.weight.toTensor().data)).not.toEqual(Array.from(values));
    } finally {
      [a, b, c].forEach((layer) => layer.dispose());
    }
  });

  test('forward and backward use the last data', () => {
    const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };
    const layer = new library.Embedding({ inputDim: 4, outputDim: 5, weight });
    const data = [[1, 3], [0, 1]];
    const output = layer.forward(data);
    expect(Array.from(output.data.subarray(0, 5))).toEqual([5, 6, 7, 8, 9]);
    data[0][0] = 2;
    const outGrad = { data: new Float32Array(20).fill(1), shape: [2, 2, 5] };
    const grad = layer.backward(outGrad);
    expect(Array.from(grad.data)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    layer.dispose();
    layer.dispose();
    expect(layer.weight.disposed).toBe(true);
  });

  test('sparseGrad layer returns row_sparse gradients', () => {
    const layer = new library.Embedding({ inputDim: 10, outputDim: 3, sparseGrad: true, dtype: 'float16' });
    layer.forward([7, 2, 7]);
    const outGrad = { data: library.toFloat16(new Float32Array(9).fill(1)), shape: [3, 3], dtype: 'float16' };
    const grad = layer.backward(outGrad);
    expect(grad.storage).toBe('row_sparse');
    expect(grad.dtype).toBe('float16');
    expect(Array.from(grad.indices)).toEqual([2, 7]);
    expect(Array.from(library.fromFloat16(grad.values.data))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(() => layer.forward([10])).toThrow(RangeError);
    layer.dispose();
  });

  test('backward before forward raises', () => {
    const layer = new library.Embedding({ inputDim: 2, outputDim: 2 });
    expect(() => layer.backward([[1, 1]])).toThrow(/forward/);
    layer.dispose();
  });

  test('invalid options raise', () => {
    expect(() => new library.Embedding({ inputDim: 2 })).toThrow(/outputDim is missing/);
    expect(() => new library.Embedding({ inputDim: 2, outputDim: 2, dtype: 'int32' })).toThrow(TypeError);
    expect(() => new library.Embedding({ inputDim: 2, outputDim: 2, weight: { data: new Float32Array(6), shape: [3, 2] } }))
      .toThrow(RangeError);
  });
});

describe('threads', () => {
  const threadCounts = BACKEND === 'simd-threads' ? [1, 2, 3] : [1];

  test('results are bit-identical for every thread count', async () => {
    const random = seededRandom(11);
    const count = 4000;
    const inputDim = 300;
    const outputDim = 37;
    const indices = Float64Array.from({ length: count }, () => Math.floor(random() ** 2 * inputDim));
    const outGradData = randomStored(random, 'float32', count * outputDim);
    const outGrad = { data: outGradData, shape: [count, outputDim], dtype: 'float32' };
    const halfGrad = { data: randomStored(random, 'float16', count * outputDim), shape: [count, outputDim], dtype: 'float16' };
    const weightData = randomStored(random, 'float32', inputDim * outputDim);
    const expectedDense = referenceBackward(indices, outGradData, 'float32', inputDim, outputDim).data;
    const expectedHalf = referenceBackward(indices, halfGrad.data, 'float16', inputDim, outputDim).data;

    const results = [];
    for (const threads of threadCounts) {
      library.dispose();
      await initBackend({ threads });
      expect(library.backendInfo().threads).toBe(threads);
      // The first job follows init() at once: a worker scheduled late must still take its chunk.

      const dense = library.embeddingBackward(indices, outGrad, { inputDim });
      const half = library.embeddingBackward(indices, halfGrad, { inputDim });
      const sparse = library.embeddingBackward(indices, outGrad, { inputDim, sparseGrad: true });
      const weight = { data: weightData.slice(), shape: [inputDim, outputDim], dtype: 'float32' };
      const mean = { data: new Float32Array(inputDim * outputDim), shape: [inputDim, outputDim], dtype: 'float32' };
      const variance = { data: new Float32Array(inputDim * outputDim), shape: [inputDim, outputDim], dtype: 'float32' };
      library.adamUpdate(weight, sparse, mean, variance, { lr: 0.01, wd: 0.001, lazyUpdate: false });

      expect(bitsOf(dense.data)).toEqual(bitsOf(expectedDense));
      expect(bitsOf(half.data)).toEqual(bitsOf(expectedHalf));
      results.push(bitsOf(weight.data));
    }
    results.forEach((result) => expect(result).toEqual(results[0]));

    const sparse = library.embeddingBackward(indices, outGrad, { inputDim, sparseGrad: true });
    const zeros = () => new Float32Array(inputDim * outputDim);
    const expectedWeight = referenceUpdate('adam', 'float32', weightData, { indices: sparse.indices, data: sparse.values.data },
      [zeros(), zeros()], [inputDim, outputDim], { lr: 0.01, wd: 0.001 }, false);
    expect(results[0]).toEqual(bitsOf(expectedWeight.weight));
  });
});

describe('end-to-end training', () => {
  // Two classes of token sequences: class 0 draws from the first half of the vocabulary, class 1 from the
  // second, and one token in four is noise from anywhere. The model averages the sequence's embeddings
  // and scores them with a dense vector; the logistic loss and its gradients are computed here in JS.
  test('lazy Adam on sparse gradients lowers the loss', () => {
    const vocabulary = 60;
    const dim = 8;
    const length = 4;
    const batch = 16;
    const random = seededRandom(21);
    const sample = () => {
      const label = random() < 0.5 ? 0 : 1;
      const tokens = Array.from({ length }, () => {
        if (random() < 0.25) return Math.floor(random() * vocabulary);
        return label * (vocabulary / 2) + Math.floor(random() * (vocabulary / 2));
      });
      return { label, tokens };
    };

    const layer = new library.Embedding({ inputDim: vocabulary, outputDim: dim, sparseGrad: true, seed: 3 });
    const scorer = { data: Float32Array.from({ length: dim }, () => random() - 0.5), shape: [1, dim], dtype: 'float32' };
    const embeddingOptimizer = new library.Adam({ lr: 0.05 });
    const scorerOptimizer = new library.SGD({ lr: 0.1 });

    const evaluate = (examples, train) => {
      const data = examples.map((example) => example.tokens);
      const output = layer.forward(data).data;
      const outGrad = new Float32Array(batch * length * dim);
      const scorerGrad = new Float32Array(dim);
      let loss = 0;
      examples.forEach((example, b) => {
        const mean = new Float64Array(dim);
        for (let l = 0; l < length; l += 1) {
          for (let d = 0; d < dim; d += 1) mean[d] += output[(b * length + l) * dim + d] / length;
        }
        const logit = mean.reduce((sum, value, d) => sum + value * scorer.data[d], 0);
        const probability = 1 / (1 + Math.exp(-logit));
        loss += -(example.label ? Math.log(probability) : Math.log(1 - probability)) / batch;
        const dLogit = (probability - example.label) / batch;
        for (let d = 0; d < dim; d += 1) {
          scorerGrad[d] += dLogit * mean[d];
          for (let l = 0; l < length; l += 1) outGrad[(b * length + l) * dim + d] = dLogit * scorer.data[d] / length;
        }
      });
      if (train) {
        const grad = layer.backward({ data: outGrad, shape: [batch, length, dim], dtype: 'float32' });
        expect(grad.storage).toBe('row_sparse');
        embeddingOptimizer.step(layer.weight, grad);
        scorerOptimizer.step(scorer, { data: scorerGrad, shape: [1, dim], dtype: 'float32' });
      }
      return loss;
    };

    const heldOut = Array.from({ length: batch }, sample);
    const initialLoss = evaluate(heldOut, false);
    for (let step = 0; step < 150; step += 1) evaluate(Array.from({ length: batch }, sample), true);
    const finalLoss = evaluate(heldOut, false);

    expect(initialLoss).toBeGreaterThan(0.6);
    expect(finalLoss).toBeLessThan(initialLoss * 0.4);
    expect(embeddingOptimizer.stepCount(layer.weight)).toBe(150);
    embeddingOptimizer.dispose();
    scorerOptimizer.dispose();
    layer.dispose();
  });
});
