"""Report each built function's and layer's zipped and unzipped size against Lambda's limits.

Usage: python scripts/package_sizes.py [.aws-sam/build]

Reads the built template in the build directory to learn which layers each function uses, so the
250 MB check counts a function together with its layers, as Lambda does. Each function package
must also stay within our own budget of 40 MB unzipped: it keeps deploys and `sam sync` quick.
Layers answer to Lambda's limits only (see ARTEFACT_BUDGET). Exits 1 over a limit or the budget.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

from newscard.devstack import load_template

MB = 1024 * 1024
ZIPPED_LIMIT = 50 * MB  # direct upload of a deployment package (sam deploy goes via S3, but stay under)
UNZIPPED_LIMIT = 250 * MB  # function code plus all its layers, extracted
# Ours: each function package, unzipped (issue 16), so a code change deploys in seconds. Layers are
# bounded by Lambda's own limits above: the shared dependency layer grows with the features the
# product has (Pyphen's dictionaries, say) and the optional face detector's runtime is large by nature.
ARTEFACT_BUDGET = 40 * MB


def unzipped_size(path: Path) -> int:
    """Apparent size of every file under path (what Lambda extracts)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def zipped_size(path: Path) -> int:
    """Size of a deflate zip of path, as sam package would upload it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for root, _dirs, files in os.walk(path):
            for name in sorted(files):
                full = Path(root) / name
                archive.write(full, full.relative_to(path))
    return buffer.tell()


def layer_names(layers: object) -> list[str]:
    """The layers a function gets: [{"Ref": X}, ...], or under Fn::If the branch with more of them
    (an optional layer, such as the face detector's, still counts against the 250 MB)."""
    if isinstance(layers, dict) and "Fn::If" in layers:
        _, when_true, when_false = layers["Fn::If"]
        return max(layer_names(when_true), layer_names(when_false), key=len)
    if not isinstance(layers, list):
        return []
    refs = [layer.get("Ref") if isinstance(layer, dict) else layer for layer in layers]
    return [ref for ref in refs if isinstance(ref, str)]


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else ".aws-sam/build")
    template = load_template(build / "template.yaml")
    resources: dict[str, dict[str, object]] = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    sizes: dict[str, tuple[int, int]] = {}
    for name, resource in resources.items():
        kind = resource["Type"]
        if kind in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion") and (build / name).is_dir():
            sizes[name] = (zipped_size(build / name), unzipped_size(build / name))

    over = False
    print(
        f"{'artefact':<22} {'zipped':>9} {'unzipped':>9} {'+layers':>9}"
        "  limits 50 MB zipped, 250 MB total; budget 40 MB unzipped per function"
    )
    for name, (zipped, unzipped) in sizes.items():
        props = resources[name].get("Properties") or {}
        names = layer_names(props.get("Layers", []) if isinstance(props, dict) else [])
        if resources[name]["Type"] == "AWS::Serverless::Function":
            names = [*layer_names(global_layers), *names]  # SAM prepends Globals' layers to a function's own
        total = unzipped + sum(sizes[n][1] for n in names if n in sizes)
        flag = ""
        if zipped > ZIPPED_LIMIT or total > UNZIPPED_LIMIT:
            over, flag = True, "  OVER LIMIT"
        elif resources[name]["Type"] == "AWS::Serverless::Function" and unzipped > ARTEFACT_BUDGET:
            over, flag = True, "  OVER BUDGET"
        print(f"{name:<22} {zipped / MB:>7.1f}MB {unzipped / MB:>7.1f}MB {total / MB:>7.1f}MB{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
