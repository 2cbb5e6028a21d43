"""Compile the engine (simulator/engine/model.py) with mypyc; everything else is in pyproject.toml.

The engine's event loop is most of a run's time, and compiled it runs about twice as fast with
the same numbers: the compiled module does the same float operations in the same order, and
`-ffp-contract=off` forbids the C compiler from fusing a multiply and an add into one rounding.
SIMULATOR_PURE_PYTHON=1 builds without compiling (no C compiler needed).

The SHA-256 of the compiled model.py goes to simulator/engine/_compiled.py, so that `import simulator.engine`
can tell a compiled module that no longer matches its source (see simulator/engine/__init__.py).
"""
import hashlib
import os
from pathlib import Path

from setuptools import setup

ENGINE = Path("simulator/engine/model.py")
FINGERPRINT = Path("simulator/engine/_compiled.py")

ext_modules = []
if os.environ.get("SIMULATOR_PURE_PYTHON") == "1":
    FINGERPRINT.unlink(missing_ok=True)
else:
    from mypyc.build import mypycify

    ext_modules = mypycify(["--follow-imports=silent", "--ignore-missing-imports", str(ENGINE)])
    for extension in ext_modules:
        extension.extra_compile_args.append("-ffp-contract=off")
    digest = hashlib.sha256(ENGINE.read_bytes()).hexdigest()
    FINGERPRINT.write_text('"""Written by setup.py: the source the compiled engine was built from."""\n'
                           f'MODEL_SHA256 = "{digest}"\n')

setup(ext_modules=ext_modules)
