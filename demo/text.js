// Tokenising and n-gram building, shared by the look-up view and the training worker.

// Words (letters and digits, with inner apostrophes or hyphens) and single punctuation marks, lower-cased,
// as the GloVe vocabulary spells them.
const TOKEN_PATTERN = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

export function tokenise(text) {
  return (text.toLowerCase().replace(/’/g, "'").match(TOKEN_PATTERN) ?? []);
}

// Index tensor { data: Int32Array, shape: [numNgrams, n] } of every run of n consecutive ids.
export function buildNgrams(ids, n) {
  const count = Math.max(ids.length - n + 1, 0);
  const data = new Int32Array(count * n);
  for (let i = 0; i < count; i += 1) {
    for (let j = 0; j < n; j += 1) data[i * n + j] = ids[i + j];
  }
  return { data, shape: [count, n] };
}
