"""The engine: seeding, parameter draws, the SimPy model (compiled with mypyc) and its spells table.

Importing this package picks which `model` runs: the compiled one only if it was compiled from
the `model.py` beside it.
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path


def _load_engine() -> None:
    """Run the compiled engine only if it was compiled from the model.py beside it.

    Installing compiles simulator/engine/model.py with mypyc (setup.py), and Python imports a
    compiled module before the source. After an edit to model.py without a reinstall it would
    silently run the old engine, so then, or when SIMULATOR_PURE_PYTHON=1, model.py itself is
    loaded: the same numbers, slower.
    """
    spec = importlib.util.find_spec("simulator.engine.model")
    if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return
    source = Path(__file__).with_name("model.py")
    if os.environ.get("SIMULATOR_PURE_PYTHON") != "1":
        try:
            from simulator.engine._compiled import MODEL_SHA256
        except ImportError:
            MODEL_SHA256 = None
        if MODEL_SHA256 == hashlib.sha256(source.read_bytes()).hexdigest():
            return
        warnings.warn(f"{source} has changed since it was compiled, so it runs as plain Python "
                      "(same numbers, about half the speed); reinstall (pip install -e .) to "
                      "compile it again", stacklevel=2)
    spec = importlib.util.spec_from_file_location("simulator.engine.model", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulator.engine.model"] = module
    spec.loader.exec_module(module)


def engine_is_compiled() -> bool:
    """Whether simulations run on the mypyc-compiled engine (for benchmarks and tests)."""
    from simulator.engine import model

    return not model.__file__.endswith(".py")


_load_engine()
