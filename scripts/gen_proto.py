#!/usr/bin/env python3
"""Regenerate the protobuf modules in core/pb/ from the .proto sources beside them.

    python scripts/gen_proto.py [--out DIR]

The sources live in core/pb/*.proto but are compiled under the import path
``opendeck/core/pb/<Name>.proto`` (their package is ``opendeck.<Name>``), so the file
descriptors never clash with futu-api's bare ``Common.proto`` etc. in one process.
To get that path the sources are staged into a temporary tree, compiled with
``python -m grpc_tools.protoc``, and the ``<Name>_pb2.py`` / ``<Name>_pb2.pyi`` outputs
are copied to core/pb/ (or --out DIR).

The output depends only on the sources and the grpcio-tools version (pinned in
pyproject.toml [dev]); tests/test_proto.py checks that the committed modules match.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PB_DIR = REPO / "core" / "pb"
IMPORT_PREFIX = Path("opendeck", "core", "pb")  # import path the .proto files use


def sources(src_dir: Path = PB_DIR) -> list[Path]:
    """The .proto sources, in a stable order."""
    return sorted(src_dir.glob("*.proto"), key=lambda p: p.name)


def generate(out_dir: Path, src_dir: Path = PB_DIR) -> list[Path]:
    """Compile every source in src_dir; write <Name>_pb2.py and .pyi into out_dir.

    Returns the written paths (sorted). Raises RuntimeError on failure.
    """
    if importlib.util.find_spec("grpc_tools") is None:
        raise RuntimeError(
            "grpc_tools is not installed; install the dev extras first: pip install -e .[dev]"
        )
    protos = sources(src_dir)
    if not protos:
        raise RuntimeError(f"no .proto files found in {src_dir}")

    with tempfile.TemporaryDirectory(prefix="opendeck-gen-proto-") as tmp:
        tmp_path = Path(tmp)
        stage = tmp_path / "src"
        gen = tmp_path / "out"
        (stage / IMPORT_PREFIX).mkdir(parents=True)
        gen.mkdir()
        for proto in protos:
            shutil.copyfile(proto, stage / IMPORT_PREFIX / proto.name)

        cmd = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{stage}",
            f"--python_out={gen}",
            f"--pyi_out={gen}",
            *[(IMPORT_PREFIX / p.name).as_posix() for p in protos],
        ]
        proc = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
        if proc.returncode != 0 or proc.stderr.strip():
            # protoc warnings (e.g. an unused import) are treated as errors too
            raise RuntimeError(
                f"protoc failed (exit {proc.returncode}):\n{proc.stderr.strip()}"
            )

        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for proto in protos:
            stem = proto.stem
            for suffix in ("_pb2.py", "_pb2.pyi"):
                produced = gen / IMPORT_PREFIX / f"{stem}{suffix}"
                if not produced.is_file():
                    raise RuntimeError(f"protoc did not produce {produced.name}")
                target = out_dir / produced.name
                data = produced.read_bytes()
                if not target.is_file() or target.read_bytes() != data:
                    target.write_bytes(data)
                written.append(target)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=PB_DIR,
        help=f"directory for the generated modules (default: {PB_DIR.relative_to(REPO)})",
    )
    args = parser.parse_args(argv)
    try:
        written = generate(args.out)
    except RuntimeError as exc:
        print(f"gen_proto: {exc}", file=sys.stderr)
        return 1

    expected = {p.name for p in written}
    stale = sorted(
        p.name
        for p in args.out.glob("*_pb2.py*")
        if p.suffix in (".py", ".pyi") and p.name not in expected
    )
    for name in stale:
        print(f"gen_proto: warning: {name} has no .proto source any more", file=sys.stderr)
    print(f"gen_proto: {len(written)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
