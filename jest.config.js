// The suite in tests/suite runs once per backend; package-level tests run once.
const BACKENDS = ['simd-threads', 'simd', 'scalar'];

const backendProjects = BACKENDS.map((backend) => ({
  displayName: backend,
  testMatch: ['<rootDir>/tests/suite/**/*.test.js'],
  globals: { WASM_EMBEDDING_BACKEND: backend },
}));

module.exports = {
  testTimeout: 60000,
  projects: [
    ...backendProjects,
    { displayName: 'package', testMatch: ['<rootDir>/tests/package/**/*.test.js'] },
  ],
};
