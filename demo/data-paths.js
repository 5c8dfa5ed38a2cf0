// The demo table's default folder, shared by the data step, the server and the browser test, so that all
// three agree for the same DEMO_WORDS and DEMO_DTYPE.
'use strict';

const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DEFAULT_WORDS = 50000;
const DEFAULT_DTYPE = 'float16';

function defaultDataDir(words = DEFAULT_WORDS, dtype = DEFAULT_DTYPE) {
  return path.join(ROOT, '.cache', 'demo', `words-${words}-${dtype}`);
}

// The folder named by DEMO_DATA_DIR, or the default one for DEMO_WORDS and DEMO_DTYPE.
function dataDirFromEnv(env) {
  if (env.DEMO_DATA_DIR) return env.DEMO_DATA_DIR;
  return defaultDataDir(env.DEMO_WORDS ?? DEFAULT_WORDS, env.DEMO_DTYPE ?? DEFAULT_DTYPE);
}

module.exports = { ROOT, DEFAULT_WORDS, DEFAULT_DTYPE, defaultDataDir, dataDirFromEnv };
