// embedding() with outputDtype 'float32' on float16 and bfloat16 tables: every 16-bit code, gathered in rows of
// every length class of the decoding kernels, must come out with the exact float32 bits, NaN payloads and
// signs included.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const { embedding } = library;

// float32 bits of a float16 code, built from the IEEE 754 definition with integer steps only.
function halfToFloatBits(code) {
  const sign = (code & 0x8000) << 16;
  const exponent = (code >> 10) & 0x1f;
  let mantissa = code & 0x03ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal: mantissa * 2^-24. Shift until the leading bit reaches the implicit-one position.
  let shift = 0;
  while ((mantissa & 0x0400) === 0) {
    mantissa <<= 1;
    shift += 1;
  }
  return (sign | ((113 - shift) << 23) | ((mantissa & 0x03ff) << 13)) >>> 0;
}

function bfloat16ToFloatBits(code) {
  return (code << 16) >>> 0;
}

const DECODERS = { float16: halfToFloatBits, bfloat16: bfloat16ToFloatBits };

// A table of rows x columns codes containing all 65536 codes in order (wrapping around at the end).
function allCodesTable(columns) {
  const rows = Math.ceil(65536 / columns);
  const data = new Uint16Array(rows * columns);
  for (let i = 0; i < data.length; i += 1) data[i] = i & 0xffff;
  return { data, rows };
}

// Compares the output bits exactly and reports the first mismatch with its position and code.
function expectDecoded(result, table, columns, indices, decode) {
  const bits = new Uint32Array(result.data.buffer, result.data.byteOffset, result.data.length);
  expect(bits.length).toBe(indices.length * columns);
  for (let i = 0; i < indices.length; i += 1) {
    for (let c = 0; c < columns; c += 1) {
      const code = table[indices[i] * columns + c];
      const expected = decode(code);
      if (bits[i * columns + c] !== expected) {
        throw new Error(`row ${i} (table row ${indices[i]}), column ${c}: code 0x${code.toString(16)} gave 0x${bits[i * columns + c].toString(16)}, expected 0x${expected.toString(16)}`);
      }
    }
  }
}

const COLUMNS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 33, 64, 100, 300];

describe.each(['float16', 'bfloat16'])('%s table gathered into float32', (dtype) => {
  const decode = DECODERS[dtype];

  test.each(COLUMNS)('rows of %i decode every code exactly', (columns) => {
    const { data, rows } = allCodesTable(columns);
    // Every row once in reverse order, then rows repeated at random.
    const indices = new Int32Array(rows + 37);
    for (let i = 0; i < rows; i += 1) indices[i] = rows - 1 - i;
    let state = 12345;
    for (let i = rows; i < indices.length; i += 1) {
      state = (state * 1103515245 + 12345) >>> 0;
      indices[i] = state % rows;
    }
    const result = embedding(indices, { data, shape: [rows, columns], dtype }, { outputDtype: 'float32' });
    expect(result.dtype).toBe('float32');
    expect(result.shape).toEqual([indices.length, columns]);
    expectDecoded(result, data, columns, indices, decode);
  });

  test.each([1, 2, 3, 5])('rows of %i for every index count from 1 to 20', (columns) => {
    // Codes around Infinity and NaN (float16) and in the subnormal range, then the last row of the table.
    const rows = 11;
    const data = new Uint16Array(rows * columns);
    for (let i = 0; i < data.length; i += 1) data[i] = [0x7bff, 0x7c00, 0xfc01, 0x7e00, 0x0001, 0x83ff, 0x8000][i % 7] + (i >> 3);
    for (let count = 1; count <= 20; count += 1) {
      const indices = Int32Array.from({ length: count }, (_, i) => (i * 7 + count) % rows);
      indices[count - 1] = rows - 1;
      const out = new Float32Array(count * columns);
      const result = embedding(indices, { data, shape: [rows, columns], dtype }, { outputDtype: 'float32', out });
      expect(result.data).toBe(out);
      expectDecoded(result, data, columns, indices, decode);
    }
  });
});
