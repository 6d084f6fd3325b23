"""`custody-rules generate`: synthetic custody records as JSON Lines, for `audit` and load tests."""

from __future__ import annotations

import gzip
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import click

from custody_rules.generate import VARIETIES, generate_records


@click.command("generate")
@click.option("--records", "count", type=click.IntRange(min=0), required=True,
              help="How many records to write.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed always gives the same records, byte for byte.")
@click.option("--variety", type=click.Choice(VARIETIES), default="realistic", show_default=True,
              help="realistic: custody timelines as inspections describe them, about 40% fully "
                   "compliant; chaos: the same with random, shuffled and boundary-hugging events.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              default=None,
              help="File to write (JSON Lines; gzip if it ends in .gz). Default: standard output.")
def command(count: int, seed: int, variety: str, output: Path | None) -> None:
    """Write synthetic children's custody records, one JSON record per line. They are made
    up, reproducible from the seed, and valid against the record format."""
    with ExitStack() as stack:
        stream: IO[bytes] | gzip.GzipFile
        if output is None or str(output) == "-":
            stream = sys.stdout.buffer
        else:
            try:
                raw = stack.enter_context(output.open("wb"))
            except OSError as exc:
                # Exit 2 (misuse), not click's 1, which here means "violations found".
                raise click.BadParameter(f"cannot write {output}: {exc.strerror or exc}",
                                         param_hint="--output") from None
            if output.suffix == ".gz":
                # No file name and a zero time in the gzip header: the same seed, the same bytes.
                stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
                stack.enter_context(stream)
            else:
                stream = raw
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        try:
            for record in generate_records(count, seed, variety=variety):
                stream.write(encode(record).encode("utf-8") + b"\n")
            stream.flush()
        except BrokenPipeError:
            # `custody-rules generate ... | head`: the reader has all it wanted. Point standard
            # output at /dev/null so that Python's own flush at exit does not fail again.
            if output is None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
