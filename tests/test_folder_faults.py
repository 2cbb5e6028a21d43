"""An output folder that cannot take the results fails safely, through the real command line.

Each fault exits 2 with one line and no traceback; a refused folder is left exactly as it was;
finished chunks are always kept, and `--resume` completes the run to the numbers of a run that
was never stopped. Faults that need the operating system's help (a full disk, a read-only mount)
run twice: with a patched writer, always, and on a real tmpfs in a private mount namespace where
the machine allows one (root with unshare), since the patch only shows what we believe the OS does.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import simulator
import simulator.runner as runner
from simulator.cli import main
from simulator.outputs import folder as folder_module
from simulator.outputs.folder import CHUNK_SHA256, ResultsFolder

from tests.support import RESULT_FILES, SMALL_RUN

pytestmark = pytest.mark.end_to_end

ROOT = Path(simulator.__file__).parent.parent


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(textwrap.dedent(SMALL_RUN), encoding="utf-8")
    return path


def command(scenario_file: Path, out: Path, *extra: str, runs: int = 24) -> list[str]:
    return ["run", str(scenario_file), "--runs", str(runs), "--seed", "7", "--workers", "1",
            "--out", str(out), "--no-report", *extra]


def run_cli(arguments: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *arguments], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def one_line(stderr: str) -> str:
    """The single line a fault prints (and the proof that it printed nothing else)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `path`: its bytes and modification time (so a rewrite shows too)."""
    return {str(p.relative_to(path)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*")) if p.is_file()}


def results(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in RESULT_FILES}


@pytest.fixture
def whole(scenario_file, tmp_path) -> dict[str, bytes]:
    """The result files of the run never stopped, that every resumed run must reproduce."""
    out = tmp_path / "whole"
    assert main(command(scenario_file, out)) == 0
    return results(out)


def interrupted(scenario_file: Path, out: Path, monkeypatch, capsys, at: int = 13) -> None:
    """A run whose worker dies at replication `at`: the chunks before it are kept."""
    real = runner.simulate_chunk

    def failing(scenario, seed, replications, *rest):
        if at in replications:
            raise RuntimeError("a worker died")
        return real(scenario, seed, replications, *rest)

    monkeypatch.setattr(runner, "simulate_chunk", failing)
    with pytest.raises(RuntimeError):
        main(command(scenario_file, out))
    monkeypatch.setattr(runner, "simulate_chunk", real)
    capsys.readouterr()


# --- where the folder would go --------------------------------------------------------------------


def test_an_out_that_is_a_file_is_refused_and_left_alone(scenario_file, tmp_path):
    out = tmp_path / "out"
    out.write_text("my notes", encoding="utf-8")
    process = run_cli(command(scenario_file, out))
    assert process.returncode == 2
    assert one_line(process.stderr) == f"{out}: expected a folder for the results (--out), found a file"
    assert out.read_text(encoding="utf-8") == "my notes"
    assert sorted(tmp_path.iterdir()) == sorted([scenario_file, out])


def test_an_out_under_a_file_is_refused(scenario_file, tmp_path):
    parent = tmp_path / "notes.txt"
    parent.write_text("my notes", encoding="utf-8")
    process = run_cli(command(scenario_file, parent / "out"))
    assert process.returncode == 2
    assert one_line(process.stderr) == (f"{parent / 'out'}: expected a folder that can be created and written, "
                                        "found not a directory (a parent is a file)")
    assert parent.read_text(encoding="utf-8") == "my notes"


@pytest.mark.parametrize("code, reason", [(errno.EROFS, "read-only file system"),
                                          (errno.EACCES, "permission denied")])
def test_a_folder_that_cannot_be_created_is_refused(scenario_file, tmp_path, monkeypatch, capsys, code, reason):
    """The tests run as root, who may write anywhere: the refusal of mkdir is patched in."""
    out = tmp_path / "mount" / "out"
    real = Path.mkdir

    def refused(self, *args, **kwargs):
        if self == out:
            raise OSError(code, os.strerror(code), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    assert main(command(scenario_file, out)) == 2
    assert one_line(capsys.readouterr().err) == (
        f"{out}: expected a folder that can be created and written, found {reason}")
    assert sorted(tmp_path.iterdir()) == [scenario_file]


def test_a_folder_that_cannot_be_written_is_refused_with_its_results_untouched(
        scenario_file, tmp_path, monkeypatch, capsys):
    """A finished run in a folder we may no longer write to: a new run removes nothing of it."""
    out = tmp_path / "out"
    assert main(command(scenario_file, out)) == 0
    before = snapshot(out)
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != out and real(path, mode, **kw))
    capsys.readouterr()
    assert main(command(scenario_file, out)) == 2
    assert one_line(capsys.readouterr().err) == (
        f"{out}: expected a folder that can be created and written, found permission denied")
    assert snapshot(out) == before


# --- a full disk ----------------------------------------------------------------------------------


def test_a_disk_that_fills_during_a_chunk_keeps_the_finished_chunks_and_resumes(
        scenario_file, tmp_path, monkeypatch, capsys, whole):
    capsys.readouterr()  # what the run never stopped printed
    out = tmp_path / "out"
    real = folder_module._write_synced
    written = []

    def filling(path: Path, data: bytes) -> None:
        if path.name.startswith("chunk-") and len(written) == 2:
            path.write_bytes(data[: len(data) // 2])  # the disk takes half of it, then is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path.name)
        real(path, data)

    monkeypatch.setattr(folder_module, "_write_synced", filling)
    assert main(command(scenario_file, out)) == 2
    line = one_line(capsys.readouterr().err)
    kept = ResultsFolder(out)
    assert [path.name + ".tmp" for path in kept.chunk_files()] == written
    done = len(kept.completed_replications())
    assert line.startswith(f"{out / 'chunks'}{os.sep}chunk-")
    assert line.endswith(f".npz: expected a file that can be written, found no space left on device (the disk "
                         f"is full); {done} of 24 replications are kept in {out}: when it can be written "
                         f"again, add --resume to complete them")
    assert kept.manifest["runs_done"] == done > 0 and kept.manifest["complete"] is False
    assert set(kept.manifest[CHUNK_SHA256]) == {path.name for path in kept.chunk_files()}
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(folder_module, "_write_synced", real)  # room is made
    assert main(command(scenario_file, out, "--resume")) == 0
    assert results(out) == whole


def test_a_full_disk_while_writing_the_results_keeps_every_replication(
        scenario_file, tmp_path, monkeypatch, capsys, whole):
    capsys.readouterr()  # what the run never stopped printed
    out = tmp_path / "out"
    real = Path.write_text

    def full(self: Path, text: str, *args, **kwargs) -> int:
        if self.name == "summary.json.tmp":
            real(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(command(scenario_file, out)) == 2
    assert one_line(capsys.readouterr().err) == (
        f"{out / 'summary.json'}: expected a file that can be written, found no space left on device "
        "(the disk is full)")
    assert ResultsFolder(out).manifest["complete"] is True
    assert not (out / "summary.json").exists() and not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    assert main(command(scenario_file, out, "--resume")) == 0
    assert results(out) == whole


# --- a chunk damaged on disk ----------------------------------------------------------------------


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


@pytest.mark.parametrize("damage", [truncate, flip_a_byte])
@pytest.mark.parametrize("listed", [True, False], ids=["sha256 in the manifest", "older folder"])
def test_a_damaged_chunk_is_named_and_resume_reruns_just_its_replications(
        scenario_file, tmp_path, monkeypatch, capsys, whole, damage, listed):
    out = tmp_path / "out"
    assert main(command(scenario_file, out)) == 0
    folder = ResultsFolder(out)
    if not listed:  # a folder written before the manifest kept checksums: the zip CRCs tell
        manifest = dict(folder.manifest)
        del manifest[CHUNK_SHA256]
        folder.write_manifest(manifest)
    damaged, *others = folder.chunk_files()[1:] + folder.chunk_files()[:1]
    first, last, count = (int(part) for part in damaged.stem.split("-")[1:])
    damage(damaged)
    before = snapshot(out)
    capsys.readouterr()

    assert main(command(scenario_file, out, "--resume")) == 2
    assert one_line(capsys.readouterr().err) == (
        f"{damaged}: expected the chunk as it was written, found a truncated or changed file (it held "
        f"replications {first}-{last}): delete it and run again with --resume to re-run just those")
    assert snapshot(out) == before  # refused: nothing rewritten, the whole chunks kept

    damaged.unlink()
    kept = {path: path.read_bytes() for path in others}
    rerun = []
    real = runner.simulate_chunk
    monkeypatch.setattr(runner, "simulate_chunk", lambda scenario, seed, replications, *rest: (
        rerun.extend(replications), real(scenario, seed, replications, *rest))[1])
    assert main(command(scenario_file, out, "--resume")) == 0
    assert rerun == list(range(first, last + 1)) and len(rerun) == count
    assert all(path.read_bytes() == data for path, data in kept.items())
    assert results(out) == whole


def test_a_sweep_over_a_damaged_chunk_names_it(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(command(scenario_file, out)) == 0
    damaged = ResultsFolder(out).chunk_files()[0]
    truncate(damaged)
    process = run_cli(["sweep", str(out), "--contract", "deal", "--vary", "cap=4e5:5e5:2", "--workers", "1"])
    assert process.returncode == 2
    assert one_line(process.stderr).startswith(f"{damaged}: expected the chunk as it was written")


# --- an interrupted run ---------------------------------------------------------------------------


def test_an_interrupted_run_is_not_discarded_without_resume_or_force(
        scenario_file, tmp_path, monkeypatch, capsys, whole):
    out = tmp_path / "out"
    interrupted(scenario_file, out, monkeypatch, capsys)
    kept = ResultsFolder(out).manifest["runs_done"]
    assert 0 < kept < 24
    before = snapshot(out)

    process = run_cli(command(scenario_file, out))
    assert process.returncode == 2
    assert one_line(process.stderr) == (
        f"{out}: expected --resume to complete the interrupted run kept here, or --force to discard it "
        f"and start afresh, found an interrupted run with {kept} of 24 replications kept, and neither option")
    assert snapshot(out) == before

    assert main(command(scenario_file, out, "--force")) == 0
    assert results(out) == whole


def test_an_interrupted_run_resumes_when_asked(scenario_file, tmp_path, monkeypatch, capsys, whole):
    out = tmp_path / "out"
    interrupted(scenario_file, out, monkeypatch, capsys)
    assert main(command(scenario_file, out, "--resume")) == 0
    assert results(out) == whole


# --- few replications -----------------------------------------------------------------------------


def test_fewer_than_100_runs_warn_that_intervals_are_rough_and_the_run_goes_on(scenario_file, tmp_path):
    few = run_cli(command(scenario_file, tmp_path / "few", runs=99))
    assert few.returncode == 0
    assert one_line(few.stderr) == "warning: --runs 99 is below 100: the 90 % intervals are rough"
    assert json.loads((tmp_path / "few" / "summary.json").read_text())["runs"] == 99
    enough = run_cli(command(scenario_file, tmp_path / "enough", runs=100))
    assert enough.returncode == 0 and enough.stderr == ""


# --- the same faults on a real file system --------------------------------------------------------


def in_private_tmpfs(mount: Path, options: str, script: str) -> subprocess.CompletedProcess:
    """`script` (sh) with a fresh tmpfs at `mount`, in a mount namespace of its own, so the mount
    vanishes with it; skips where the machine does not allow that (not root, no unshare)."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a tmpfs")
    mount.mkdir()
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs {mount}"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.decode().strip()}")
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                           f"mount -t tmpfs -o {options} tmpfs {mount} && {script}"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_a_real_full_disk_keeps_the_finished_chunks(scenario_file, tmp_path, whole):
    mount, copy = tmp_path / "tmpfs", tmp_path / "copy"
    arguments = " ".join(command(scenario_file, mount / "out", runs=24))
    process = in_private_tmpfs(mount, "size=100k", f"{sys.executable} -m simulator {arguments}; "
                               f"status=$?; cp -a {mount / 'out'} {copy}; exit $status")
    assert process.returncode == 2
    line = one_line(process.stderr)
    assert "found no space left on device (the disk is full); " in line and "add --resume" in line
    folder = ResultsFolder(copy)
    kept = len(folder.completed_replications())  # the manifest may not have had room to count the last
    assert 0 < kept < 24 and f"; {kept} of 24 replications are kept in " in line
    assert not list(copy.rglob("*.tmp"))
    assert run_cli(command(scenario_file, copy, "--resume")).returncode == 0
    assert results(copy) == whole


def test_a_real_read_only_mount_is_refused(scenario_file, tmp_path):
    mount = tmp_path / "tmpfs"
    process = in_private_tmpfs(mount, "ro", f"{sys.executable} -m simulator "
                               + " ".join(command(scenario_file, mount / "out")))
    assert process.returncode == 2
    assert one_line(process.stderr) == (f"{mount / 'out'}: expected a folder that can be created and written, "
                                        "found read-only file system")
