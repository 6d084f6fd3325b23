"""`custody-rules generate`: synthetic custody records as JSON Lines, for `audit` and load tests."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import IO

import click

from custody_rules.cli.exits import ExitCode
from custody_rules.cli.options import InputProblem
from custody_rules.generate import VARIETIES, generate_records
from custody_rules.interrupt import Interrupted, interruptible
from custody_rules.outputs import OutputError, ReaderGone, output_file


@click.command("generate")
@click.option("--records", "count", type=click.IntRange(min=0), required=True,
              help="How many records to write.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed always gives the same records, byte for byte.")
@click.option("--variety", type=click.Choice(VARIETIES), default="realistic", show_default=True,
              help="realistic: custody timelines as inspections describe them, about 40% fully "
                   "compliant; chaos: the same with random, shuffled and boundary-hugging events.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="File to write (JSON Lines; gzip if it ends in .gz). Default: standard output.")
def command(count: int, seed: int, variety: str, output: Path | None) -> None:
    """Write synthetic children's custody records, one JSON record per line. They are made
    up, reproducible from the seed, and valid against the record format.

    \b
    Exit codes:
      0  written
      2  the output cannot be written, or the command was misused
      130, 143  interrupted (Ctrl-C, SIGTERM): nothing written
      141  the reader of standard output stopped reading (`| head`)
    """
    to_stdout = output is None or str(output) == "-"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    try:
        with interruptible(), output_file(output, spool_stdout=False) as raw:
            stream: IO[bytes] | gzip.GzipFile = raw
            if not to_stdout and output is not None and output.suffix == ".gz":
                # No file name and a zero time in the gzip header: the same seed, the same bytes.
                stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            for record in generate_records(count, seed, variety=variety):
                stream.write(encode(record).encode("utf-8") + b"\n")
            if stream is not raw:
                stream.close()  # the gzip trailer; `raw` is closed by output_file
    except ReaderGone:
        # `custody-rules generate ... | head`: the reader has all it wanted; silent, and the
        # exit code every command gives when its reader stops reading.
        sys.exit(ExitCode.STOPPED_READING)
    except OutputError as exc:
        # Exit 2 (the output cannot be written), not click's 1, which means "violations found".
        raise InputProblem([str(exc)]) from None
    except Interrupted as stop:
        # Records already streamed to standard output are the reader's; a file is not written.
        click.echo("generate: interrupted" + ("" if to_stdout else f"; {output} not written"),
                   err=True)
        sys.exit(stop.exit_code)
