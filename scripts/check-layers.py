#!/usr/bin/env python3
"""Fails when a file under weir/ includes a header from a layer above its own.

The layers, lowest first (docs/development.md draws them); a folder may include its own headers,
those of its layer and those of every layer below:

  base, proto                       status, files, threads, hashing; the .proto messages
  data, io                          columnar batches; CSV, TFRecord, tf.Example
  stats, schema, transform,         the data libraries
  validation, datagen
  eval, model                       metrics and slices; model families
  components, metadata              thin executors; the ML Metadata store
  pipeline, orchestrator, scheduler pipeline files, the runner, cron and task operations
  views                             what artifacts and runs look like (text, JSON)
  serving, web                      the HTTP faces
  cli                               the weir command

The model server also keeps to model and transform (and what they stand on): nothing in serving/,
its tests included, includes anything from components up. Usage: scripts/check-layers.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

LAYERS = [
    ["base", "proto"],
    ["data", "io"],
    ["stats", "schema", "transform", "validation", "datagen"],
    ["eval", "model", "onnx"],
    ["components", "metadata"],
    ["pipeline", "orchestrator", "scheduler"],
    ["views"],
    ["serving", "web"],
    ["cli"],
]
RANK = {folder: rank for rank, folders in enumerate(LAYERS) for folder in folders}
SERVING_CEILING = RANK["model"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"weir/([a-z_]+)/')


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    files = sorted(p for p in (root / "weir").rglob("*") if p.suffix in (".h", ".cc"))
    for path in files:
        folder = path.relative_to(root / "weir").parts[0]
        if folder not in RANK:
            problems.append(f"{path.relative_to(root)}: folder '{folder}' has no layer; add it")
            continue
        ceiling = RANK[folder]
        if folder == "serving":
            ceiling = SERVING_CEILING
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            included = match.group(1)
            if included == folder:
                continue
            if included not in RANK:
                problems.append(f"{path.relative_to(root)}:{number}: weir/{included}/ has no layer")
            elif RANK[included] > ceiling:
                problems.append(f"{path.relative_to(root)}:{number}: {folder}/ includes "
                                f"weir/{included}/, a layer above it")
    for problem in problems:
        print(problem)
    print(f"{len(files)} files, {len(problems)} includes against the layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
