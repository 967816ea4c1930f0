"""scripts/package_sizes.py: sizes per artefact, layers counted with their function, limits enforced."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

BUILT_TEMPLATE = """
Globals:
  Function:
    Layers: [!Ref Deps]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: Fn
      Layers: [!Ref Assets]
  Assets:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: Assets
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: Deps
"""


@pytest.fixture
def sizes() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_sizes", ROOT / "scripts" / "package_sizes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def build(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(BUILT_TEMPLATE)
    (tmp_path / "Fn").mkdir()
    (tmp_path / "Fn" / "app.py").write_bytes(b"x = 1\n" * 1000)
    (tmp_path / "Assets" / "fonts").mkdir(parents=True)
    (tmp_path / "Assets" / "fonts" / "f.ttf").write_bytes(bytes(range(256)) * 400)
    (tmp_path / "Deps" / "python").mkdir(parents=True)
    (tmp_path / "Deps" / "python" / "lib.py").write_bytes(b"y = 2\n" * 500)
    return tmp_path


def test_reports_each_artefact_and_counts_layers_with_the_function(
    sizes: ModuleType, build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sizes.main(["package_sizes.py", str(build)]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert set(lines) == {"Fn", "Assets", "Deps"}
    assert sizes.unzipped_size(build / "Fn") == 6000
    # The function's total includes its layer's unzipped bytes (Lambda's 250 MB rule).
    assert sizes.unzipped_size(build / "Assets") == 102400
    assert sizes.zipped_size(build / "Fn") < 6000  # compressible code really is compressed


def test_an_artefact_over_a_limit_fails_the_check(
    sizes: ModuleType, build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sizes, "UNZIPPED_LIMIT", 105_000)  # the layer fits alone, function + layer does not
    assert sizes.main(["package_sizes.py", str(build)]) == 1
    out = capsys.readouterr().out
    assert "OVER LIMIT" in next(line for line in out.splitlines() if line.startswith("Fn "))
    assert "OVER LIMIT" not in next(line for line in out.splitlines() if line.startswith("Assets "))


def test_a_conditional_layer_counts_with_the_function(sizes: ModuleType) -> None:
    # Layers: !If [DetectsFaces, [!Ref CardAssetsLayer, !Ref FaceDetectorLayer], [!Ref CardAssetsLayer]]
    layers = {"Fn::If": ["DetectsFaces", [{"Ref": "Assets"}, {"Ref": "Faces"}], [{"Ref": "Assets"}]]}
    assert sizes.layer_names(layers) == ["Assets", "Faces"]
    assert sizes.layer_names([{"Ref": "Assets"}]) == ["Assets"]


def test_a_function_over_the_40_mb_budget_fails_the_check(
    sizes: ModuleType, build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sizes.ARTEFACT_BUDGET == 40 * 1024 * 1024
    monkeypatch.setattr(
        sizes, "ARTEFACT_BUDGET", 5_000
    )  # Fn (6000 B) is over; layers answer to Lambda's limits
    assert sizes.main(["package_sizes.py", str(build)]) == 1
    out = capsys.readouterr().out
    assert "OVER BUDGET" in next(line for line in out.splitlines() if line.startswith("Fn "))
    assert "OVER" not in next(line for line in out.splitlines() if line.startswith("Assets "))


def test_layers_from_globals_count_with_the_function(
    sizes: ModuleType, build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fn 6000 + Assets 102400 = 108400 fits; with the Globals layer Deps (3000) it is 111400.
    monkeypatch.setattr(sizes, "UNZIPPED_LIMIT", 110_000)
    assert sizes.main(["package_sizes.py", str(build)]) == 1
    out = capsys.readouterr().out
    assert "OVER LIMIT" in next(line for line in out.splitlines() if line.startswith("Fn "))
