// Packs the package (package.json, index.d.ts and the built dist/ under test) with `npm pack` and installs
// the tarball into a scratch consumer project, offline and without lifecycle scripts.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { DIST } = require('./library');

const ROOT = path.join(__dirname, '..', '..');

function writeFile(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function npm(args, cwd) {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
}

// Packs and installs the package. Returns the scratch folder, the consumer project, the installed package
// folder, the paths inside the tarball (packedFiles), and cleanup(), which deletes the scratch folder.
function packAndInstall() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-embedding-package-'));

  // Lay out the package root with the dist/ under test, then pack it without the build that prepack runs.
  const staging = path.join(scratch, 'staging');
  fs.mkdirSync(staging);
  for (const file of ['package.json', 'index.d.ts', 'README.md', 'LICENSE']) {
    if (fs.existsSync(path.join(ROOT, file))) fs.copyFileSync(path.join(ROOT, file), path.join(staging, file));
  }
  fs.cpSync(DIST, path.join(staging, 'dist'), { recursive: true });
  const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], staging));

  const consumer = path.join(scratch, 'consumer');
  writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  npm(['install', '--ignore-scripts', '--offline', path.join(scratch, pack.filename)], consumer);

  return {
    scratch,
    consumer,
    installed: path.join(consumer, 'node_modules', 'wasm-embedding'),
    packedFiles: pack.files.map((entry) => entry.path),
    cleanup: () => fs.rmSync(scratch, { recursive: true, force: true }),
  };
}

module.exports = { ROOT, packAndInstall, writeFile };
