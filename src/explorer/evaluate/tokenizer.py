"""The toolkit's PTB tokenisation (Stanford CoreNLP 3.4.1, lower-cased, punctuation removed), run in one JVM.

Same jar, same flags and the same punctuation list as ``pycocoevalcap.tokenizer.ptbtokenizer``, so every
metric sees exactly the tokens the toolkit's own ``COCOEvalCap`` would. Unlike the toolkit, the temporary file
goes to the system temp folder (an installed package may be read-only) and is removed even on failure.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence

from ..errors import ExplorerError
from .toolkit import java, tokenizer_jar

#: pycocoevalcap.tokenizer.ptbtokenizer.PUNCTUATIONS
PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";"]
)


def ptb_tokenize(sentences: Sequence[str]) -> list[str]:
    """One tokenised string per input sentence, as ``PTBTokenizer.tokenize`` returns them."""
    if not sentences:
        return []
    text = "\n".join(s.replace("\n", " ") for s in sentences)
    with tempfile.TemporaryDirectory(prefix="eo-explorer-ptb-") as scratch:
        path = os.path.join(scratch, "sentences.txt")
        with open(path, "wb") as handle:
            handle.write(text.encode())
        cmd = [java(), "-cp", str(tokenizer_jar()), "edu.stanford.nlp.process.PTBTokenizer"]
        cmd += ["-preserveLines", "-lowerCase", path]
        done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        raise ExplorerError(
            f"PTB tokenizer failed (java exit {done.returncode}): {done.stderr.decode()[-500:]}"
        )
    lines = done.stdout.decode().split("\n")
    if len(lines) < len(sentences):
        raise ExplorerError(f"PTB tokenizer returned {len(lines)} lines for {len(sentences)} sentences")
    return [
        " ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATIONS)
        for line in lines[: len(sentences)]
    ]
