"""METEOR 1.5 through the toolkit's jar, with the toolkit's command line and its SCORE/EVAL protocol.

When ``javac`` is available, the jar is driven by ``java/ExplorerMeteor.java`` (compiled once into the cache
folder): the jar's own configuration, normalisation, matchers and scoring, with a re-implemented beam search
that keeps only the beam instead of copying and sorting every candidate, and several alignment threads in one
JVM (the 60 MB paraphrase table is loaded once). Its statistics lines are the jar's, character for character
(``tests/evaluate/test_meteor.py`` compares the two on real-like captions). Without ``javac`` the jar's own
``Meteor`` main runs, as the toolkit runs it.

``pycocoevalcap.meteor.Meteor`` sends one ``SCORE`` line per sample and waits for its statistics line before
the next one. Here a writer thread streams every ``SCORE`` line while the caller reads the answers, so the JVM
never idles on a round trip; the jar processes lines in order, so the statistics are the same. The corpus
score comes from the jar's ``EVAL`` over all statistics lines (not a mean of per-sample scores), as in the
toolkit. The statistics lines are kept so the corpus METEOR of any subset can be re-derived by ``EVAL`` alone,
without aligning anything again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from ..errors import ExplorerError
from ..settings import cache_dir
from .toolkit import java, meteor_jar

#: the toolkit's options after the jar's two file arguments (``- -``), as pycocoevalcap's Meteor passes them
METEOR_ARGS = ("-stdio", "-l", "en", "-norm")
DRIVER_SOURCE = Path(__file__).with_name("java") / "ExplorerMeteor.java"
DRIVER_CLASS = "edu.cmu.meteor.aligner.ExplorerMeteor"


def driver_classes() -> Path | None:
    """Folder of the compiled ``ExplorerMeteor`` (compiled on first use), or None without ``javac``."""
    javac = shutil.which("javac")
    jar = meteor_jar()
    key = hashlib.sha256(DRIVER_SOURCE.read_bytes() + str(jar.stat().st_size).encode()).hexdigest()[:16]
    folder = cache_dir() / "meteor-driver" / key
    if (folder / "edu" / "cmu" / "meteor" / "aligner" / "ExplorerMeteor.class").is_file():
        return folder
    if javac is None:
        return None
    folder.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="build-", dir=folder.parent))
    result = subprocess.run(
        [javac, "-nowarn", "-encoding", "UTF-8", "-d", str(build), "-cp", str(jar), str(DRIVER_SOURCE)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(build, ignore_errors=True)
        raise ExplorerError(f"{DRIVER_SOURCE}: javac failed:\n{result.stderr[-2000:]}")
    try:
        build.rename(folder)
    except OSError:  # another process compiled it first
        shutil.rmtree(build, ignore_errors=True)
    return folder


def _start(classes: Path | None, threads: int) -> subprocess.Popen[bytes]:
    """The jar's own main (``classes`` None) or the driver with ``threads`` alignment threads."""
    jar = meteor_jar()
    if classes is None:
        cmd = [java(), "-jar", "-Xmx2G", jar.name, "-", "-", *METEOR_ARGS]
    else:
        classpath = f"{classes}{os.pathsep}{jar.name}"
        # the parallel collector: the paraphrase table's load is allocation-heavy and nothing here needs short pauses
        cmd = [
            java(),
            "-Xmx2G",
            "-XX:+UseParallelGC",
            "-cp",
            classpath,
            DRIVER_CLASS,
            str(max(1, threads)),
            *METEOR_ARGS,
        ]
    return subprocess.Popen(
        cmd, cwd=jar.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


def _score_line(hypothesis: str, references: Sequence[str]) -> str:
    # as Meteor._stat: "|||" is the field separator, so it is removed from the hypothesis
    hypothesis = hypothesis.replace("|||", "").replace("  ", " ")
    return " ||| ".join(("SCORE", " ||| ".join(references), hypothesis))


def _write_all(stream: IO[bytes], lines: list[str]) -> None:
    try:
        for line in lines:
            stream.write(f"{line}\n".encode())
        stream.flush()
    except BrokenPipeError:
        pass  # the reader reports the JVM's failure


def _read_float(stream: IO[bytes]) -> float:
    raw = stream.readline()
    if not raw:
        raise ExplorerError("METEOR 1.5 (java) stopped before answering; is the Java runtime working?")
    return float(raw.strip())


class MeteorProcess:
    """One METEOR 1.5 JVM. Start it early: loading its paraphrase table takes seconds, which overlap with
    tokenisation and the Python metrics when the process is started before them. ``threads`` alignment
    threads run in it when the driver is used (``driver=False``: the jar's own main, one thread)."""

    def __init__(self, threads: int = 1, driver: bool = True) -> None:
        classes = driver_classes() if driver else None
        self.driven = classes is not None
        self._process = _start(classes, threads)
        self._lock = threading.Lock()

    def __enter__(self) -> MeteorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        _stop(self._process)

    def score(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> tuple[float, list[float], list[str]]:
        """(corpus METEOR, per-sample METEOR, per-sample statistics lines) for tokenised inputs, in order."""
        if not hypotheses:
            return float("nan"), [], []
        stats = self.statistics(hypotheses, references)
        with self._lock:
            per_sample, corpus = self._eval(stats)
        return corpus, per_sample, stats

    def statistics(self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[str]:
        """The jar's ``SCORE`` statistics line of each sample (the alignment: the expensive part)."""
        if not hypotheses:
            return []
        stdin, stdout = self._pipes()
        with self._lock:
            lines = [_score_line(h, r) for h, r in zip(hypotheses, references, strict=True)]
            writer = threading.Thread(target=_write_all, args=(stdin, lines), daemon=True)
            writer.start()
            stats = []
            for _ in lines:
                raw = stdout.readline()
                if not raw:
                    raise ExplorerError(
                        "METEOR 1.5 (java) stopped while scoring; is the Java runtime working?"
                    )
                stats.append(raw.decode().strip())
            writer.join()
        return stats

    def corpus(self, stats_groups: Sequence[Sequence[str]]) -> list[float]:
        """Corpus METEOR of each group of stored statistics lines (one ``EVAL`` each, nothing re-aligned)."""
        results = []
        with self._lock:
            for group in stats_groups:
                results.append(self._eval(list(group))[1] if len(group) else float("nan"))
        return results

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._process.stdin is not None and self._process.stdout is not None
        return self._process.stdin, self._process.stdout

    def evaluate(self, stats: list[str]) -> tuple[list[float], float]:
        """(per-sample METEOR, corpus METEOR) of statistics lines, by the jar's ``EVAL``."""
        with self._lock:
            return self._eval(stats)

    def _eval(self, stats: list[str]) -> tuple[list[float], float]:
        stdin, stdout = self._pipes()
        stdin.write(("EVAL ||| " + " ||| ".join(stats) + "\n").encode())
        stdin.flush()
        per_sample = [_read_float(stdout) for _ in stats]
        return per_sample, _read_float(stdout)


class MeteorPool:
    """``workers`` aligners: threads of one driven JVM when ``javac`` is available, else several jar JVMs.
    With JVMs, each aligns a contiguous share of the samples (a sample's statistics line depends on that
    sample alone), then one ``EVAL`` over all lines gives the same per-sample and corpus scores as one JVM;
    extra JVMs start on the first input large enough to pay for their start-up (``min_per_worker``)."""

    def __init__(self, workers: int | None = None, min_per_worker: int = 400, driver: bool = True) -> None:
        self.workers = max(1, workers if workers is not None else min(2, os.cpu_count() or 1))
        self.min_per_worker = min_per_worker
        self.driver = driver
        self._processes = [MeteorProcess(self.workers, driver)]

    def __enter__(self) -> MeteorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for process in self._processes:
            process.close()

    def score(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> tuple[float, list[float], list[str]]:
        n = len(hypotheses)
        if not n:
            return float("nan"), [], []
        wanted = min(self.workers, max(1, n // self.min_per_worker))
        if self._processes[0].driven:
            wanted = 1  # its threads share the work
        while len(self._processes) < wanted:
            self._processes.append(MeteorProcess(1, driver=False))
        bounds = [round(i * n / wanted) for i in range(wanted + 1)]
        with ThreadPoolExecutor(max_workers=wanted) as pool:
            parts = list(
                pool.map(
                    lambda k: self._processes[k].statistics(
                        hypotheses[bounds[k] : bounds[k + 1]], references[bounds[k] : bounds[k + 1]]
                    ),
                    range(wanted),
                )
            )
        stats = [line for part in parts for line in part]
        per_sample, corpus = self._processes[0].evaluate(stats)
        return corpus, per_sample, stats

    def corpus(self, stats_groups: Sequence[Sequence[str]]) -> list[float]:
        return self._processes[0].corpus(stats_groups)


def meteor_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float], list[str]]:
    with MeteorProcess() as meteor:
        return meteor.score(hypotheses, references)


def meteor_corpus(stats_groups: Sequence[Sequence[str]]) -> list[float]:
    with MeteorProcess() as meteor:
        return meteor.corpus(stats_groups)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
    process.kill()
    process.wait()
