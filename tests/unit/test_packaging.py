"""What ships, and how it is pinned: the lock, the layer, the function package, SAM conventions."""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest

from newscard.devstack import load_template
from newscard.handlers import wiring
from newscard.models.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "newscard"
LAYER_REQUIREMENTS = ROOT / "layers" / "dependencies" / "requirements.txt"


def lock_script_list(name: str) -> set[str]:
    """A package list of scripts/lock.sh: the one place that says what the layer leaves out."""
    found = re.search(rf"^{name}=\(([^)]*)\)", (ROOT / "scripts" / "lock.sh").read_text(), re.MULTILINE)
    assert found is not None, name
    return set(found.group(1).split())


# What the Lambda Python runtime provides, and what layers of their own ship.
RUNTIME_PROVIDED = lock_script_list("RUNTIME_PROVIDED")
OWN_LAYER = lock_script_list("OWN_LAYER")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def pinned(requirements: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", requirements.read_text(), re.MULTILINE)
    return {canonical(name): version for name, version in found}


# --- The lock ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_uv_lock_and_the_layer_requirements_are_in_step_with_pyproject() -> None:
    # Fails after a dependency is added to pyproject.toml without `bash scripts/lock.sh`.
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "lock.sh"), "--check-offline"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_dependencies_are_declared_once_in_pyproject_not_in_a_hand_kept_requirements_file() -> None:
    # The layer's requirements are exported from uv.lock; a hand-kept copy would drift.
    assert not (ROOT / "functions" / "requirements.txt").exists(), "declare it in pyproject.toml, run lock.sh"


def test_every_layer_requirement_is_pinned_with_hashes_and_none_is_the_runtime_sdk() -> None:
    text = LAYER_REQUIREMENTS.read_text()
    packages = pinned(LAYER_REQUIREMENTS)
    assert {"pillow", "pydantic", "aws-lambda-powertools", "jinja2", "babel"} <= set(packages)
    assert {"boto3", "botocore"} <= RUNTIME_PROVIDED
    assert not (RUNTIME_PROVIDED | OWN_LAYER) & set(packages)
    for block in re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2]):
        assert "--hash=sha256:" in block, block


@pytest.mark.parametrize(
    ("path", "package"),
    [
        ("scripts/tools/uv.txt", "uv"),
        ("scripts/tools/sam.txt", "aws-sam-cli"),
        ("scripts/tools/checkov.txt", "checkov"),
        ("infra/redirects/requirements.txt", "awscrt"),
    ],
)
def test_compiled_requirements_pin_every_package_with_hashes(path: str, package: str) -> None:
    requirements = ROOT / path
    assert package in pinned(requirements)
    assert "bash scripts/lock.sh" in requirements.read_text()  # made by the script, not by hand
    assert requirements.read_text().count("==") <= requirements.read_text().count("--hash=sha256:")


def test_the_uv_in_dev_dependencies_is_the_one_setup_installs() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert f"uv=={pinned(ROOT / 'scripts' / 'tools' / 'uv.txt')['uv']}" in dev


# --- The runtime's SDK ---------------------------------------------------------------------------


def test_the_boto3_floor_in_pyproject_is_the_botocore_the_start_up_check_demands() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(d for d in dependencies if d.startswith("boto3")).split(">=")[1]
    assert tuple(int(part) for part in floor.split(".")) == wiring.MIN_BOTOCORE


@pytest.mark.parametrize("version", ["1.35.68", "1.34.162", "1.29.0"])
def test_an_older_runtime_botocore_fails_the_cold_start_with_the_fix(version: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        wiring.check_runtime_sdk(version)
    assert f"botocore {version}" in str(raised.value)
    assert "1.35.69" in str(raised.value) and "IfMatch" in str(raised.value)


@pytest.mark.parametrize("version", ["1.35.69", "1.35.100", "1.40.0", "2.0.0"])
def test_a_new_enough_runtime_botocore_passes(version: str) -> None:
    wiring.check_runtime_sdk(version)


def test_the_installed_botocore_passes_the_check() -> None:
    wiring.check_runtime_sdk()


# --- The function package ------------------------------------------------------------------------


def dev_only_modules() -> set[str]:
    makefile = (ROOT / "functions" / "Makefile").read_text()
    paths = re.search(r"^DEV_ONLY := (.+)$", makefile, re.MULTILINE)
    assert paths is not None
    return {path.removesuffix(".py").replace("/", ".") for path in paths.group(1).split()}


def shipped_modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    dev_only = dev_only_modules()
    return {
        name: path
        for name, path in modules.items()
        if name not in dev_only and not any(name.startswith(f"{package}.") for package in dev_only)
    }


def imported_names(path: Path) -> set[str]:
    """Every module an import statement names at run time, at any depth (lazy imports in functions too).

    Imports under `if TYPE_CHECKING:` are for the type checker only and are left out.
    """
    tree = ast.parse(path.read_text())
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    names = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_dev_stack_and_the_command_line_stay_out_of_the_function_package() -> None:
    assert {"newscard.devstack", "newscard.cli"} <= dev_only_modules()
    shipped = shipped_modules()
    assert "newscard.handlers.api" in shipped and "newscard.devstack" not in shipped
    for name, path in shipped.items():
        reached = {
            imported
            for imported in imported_names(path)
            for dev in dev_only_modules()
            if imported == dev or imported.startswith(f"{dev}.")
        }
        assert not reached, f"{name} imports {reached}, which the function package leaves out"


def test_every_third_party_import_of_the_shipped_code_is_in_the_layer_or_the_runtime() -> None:
    distributions = {name: {canonical(d) for d in dists} for name, dists in packages_distributions().items()}
    available = set(pinned(LAYER_REQUIREMENTS)) | RUNTIME_PROVIDED | OWN_LAYER
    lambda_only = {"snapshot_restore_py"}  # the SnapStart hooks module of Lambda's Python runtime
    for name, path in shipped_modules().items():
        for imported in imported_names(path):
            top = imported.split(".")[0]
            if top in sys.stdlib_module_names or top == "newscard" or top in lambda_only:
                continue
            assert top in distributions, f"{name} imports {top}, which no installed distribution provides"
            assert distributions[top] & available, f"{name} imports {top}: not in the layer (run lock.sh)"


def test_importing_a_handler_loads_neither_boto3_nor_jinja2_nor_powertools_parser_models() -> None:
    # A cold start pays for boto3 and Jinja on first use (SnapStart primes them before the
    # snapshot). Powertools' parser models are never used: they load (~70 ms) only if pydantic
    # is imported before Powertools' batch utility (see s3_events).
    env = {
        **os.environ,
        "ARTICLES_BUCKET": "articles-bucket",
        "SITE_BUCKET": "site-bucket",
        "STATE_TABLE": "state-table",
        "SITE_BASE_URL": "https://news.example.com",
        "SITE_NAME": "Newscard",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "Test",
    }
    code = (
        "import json, sys\n"
        "import newscard.handlers.s3_events, newscard.handlers.api\n"
        "heavy = ('boto3', 'jinja2', 'aws_lambda_powertools.utilities.parser.models')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_the_lazy_client_makes_the_real_client_on_first_use_and_only_once() -> None:
    made: list[object] = []

    class Client:
        def head_object(self, **kwargs: str) -> dict[str, str]:
            return kwargs

    @functools.lru_cache(maxsize=1)  # as wiring.s3_client is
    def factory() -> Client:
        made.append(Client())
        return Client() if made[1:] else made[0]  # type: ignore[return-value]

    lazy = wiring.LazyClient(factory)
    assert made == []  # building the stores made no client
    assert lazy.head_object(Bucket="b") == {"Bucket": "b"}
    assert lazy.head_object(Bucket="c") == {"Bucket": "c"}
    assert len(made) == 1


def test_the_redirect_function_keeps_the_botocore_models_of_every_client_it_makes(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["RedirectSyncFunction"]
    assert function["Metadata"]["BuildMethod"] == "makefile"
    source = Path(ROOT / function["Properties"]["CodeUri"])
    kept = re.search(r"^KEEP_SERVICES := (.+)$", (source / "Makefile").read_text(), re.MULTILINE)
    assert kept is not None
    called = set(re.findall(r"""boto3\.client\(\s*["']([a-z0-9-]+)["']""", (source / "app.py").read_text()))
    assert called, "app.py makes no boto3 client?"
    assert called <= set(kept.group(1).split())


# --- SAM conventions -----------------------------------------------------------------------------


def test_every_function_uses_the_dependency_layer_built_from_the_lock(template: dict[str, Any]) -> None:
    # The functions that run the newscard code (CodeUri from Globals) get it first; a function with
    # code and requirements of its own (the redirect sync) does not need it.
    newscard_functions = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" not in resource["Properties"]
    ]
    assert len(newscard_functions) >= 2
    for function in newscard_functions:
        layers = function["Layers"]
        # Layers: !If [DetectsFaces, [deps, assets, faces], [deps, assets]]: every branch starts with it.
        branches = layers["Fn::If"][1:] if isinstance(layers, dict) else [layers]
        for branch in branches:
            assert branch[0] == {"Ref": "DependenciesLayer"}, function["Handler"]
    layer = template["Resources"]["DependenciesLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/dependencies/"
    assert (layer["Metadata"]["BuildMethod"], layer["Metadata"]["BuildArchitecture"]) == ("makefile", "arm64")
    assert "requirements.txt" in (ROOT / "layers" / "dependencies" / "Makefile").read_text()


def test_every_card_function_gets_icu_from_the_line_breaking_layer(template: dict[str, Any]) -> None:
    # Thai, Lao, Khmer and Burmese headlines break at dictionary words (icu4py): every function with
    # the card fonts gets the layer in every branch, and the layer installs the version uv.lock holds.
    card_functions = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function" and "CardAssetsLayer" in json.dumps(resource)
    ]
    assert len(card_functions) >= 2
    for function in card_functions:
        layers = function["Layers"]
        for branch in layers["Fn::If"][1:] if isinstance(layers, dict) else [layers]:
            assert {"Ref": "LineBreakingLayer"} in branch, function["Handler"]
    layer = template["Resources"]["LineBreakingLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/line-breaking/"
    assert (layer["Metadata"]["BuildMethod"], layer["Metadata"]["BuildArchitecture"]) == ("makefile", "arm64")
    assert "icu4py" in OWN_LAYER
    locked = tomllib.loads((ROOT / "uv.lock").read_text())
    version = next(p["version"] for p in locked["package"] if p["name"] == "icu4py")
    requirements = ROOT / "layers" / "line-breaking" / "requirements.txt"
    assert pinned(requirements) == {"icu4py": version}
    wheel = next(
        w for p in locked["package"] if p["name"] == "icu4py" for w in p["wheels"]
        if "cp313-manylinux" in w["url"] and "aarch64" in w["url"]
    )  # fmt: skip
    assert f"--hash={wheel['hash']}" in requirements.read_text()


def test_every_function_logs_json(template: dict[str, Any]) -> None:
    functions = {n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions
    for name, function in functions.items():
        assert function["Properties"]["LoggingConfig"]["LogFormat"] == "JSON", name


def test_every_output_says_what_it_is_for(template: dict[str, Any]) -> None:
    for name, output in template["Outputs"].items():
        assert len(output.get("Description", "")) > 10, name


def test_every_parameter_is_in_exactly_one_console_group(template: dict[str, Any]) -> None:
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(template["Parameters"]), "add the parameter to a group in Metadata"


def test_samconfig_sits_at_the_root_with_dev_and_prod() -> None:
    assert not (ROOT / "infra" / "samconfig.toml").exists()
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert {"dev", "prod"} <= set(config)
    assert config["default"]["local_invoke"]["parameters"]["env_vars"] == "events/env.json"


def test_env_json_points_sam_local_invoke_at_the_dev_stack(template: dict[str, Any]) -> None:
    from newscard.devstack import REGION

    variables = json.loads((ROOT / "events" / "env.json").read_text())["Parameters"]
    declared = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, value in variables.items():
        if name.startswith("AWS_"):
            continue  # set in the container (--container-env-vars), not declared by the template
        assert name in declared, f"sam local only overrides declared variables: {name}"
        ref = declared[name].get("Ref") if isinstance(declared[name], dict) else None
        if ref in template["Resources"]:
            # `newscard dev` names every resource newscard-<logical id>-dev (devstack.py).
            assert value == f"newscard-{ref.lower()}-dev", name
    assert variables["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"  # newscard dev's default S3 port
    assert variables["AWS_DEFAULT_REGION"] == REGION
