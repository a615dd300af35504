"""Parametrized task families: naming, pairing, fan-in, and the pure expansion function."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from pytest_processes import Process, TaskDefinitionError, TaskStatus, param, task
from pytest_processes.api.families import (
    FamilyNode,
    Link,
    TaskSpec,
    Variant,
    expand_families,
    value_id,
    variants_from_params,
)


class Color(enum.Enum):
    RED = 1


class Thing:
    pass


def names(process: Process) -> list[str]:
    return [t.name for t in process.tasks]


@task(params={"env": ["dev", "prod"]})
def build(env: str) -> str:
    return f"built-{env}"


def deploy(build: str, env: str) -> str:
    return f"{build} to {env}"


def release(deploy: dict[str, str]) -> list[str]:
    return sorted(deploy.values())


# -- naming ------------------------------------------------------------------------------


def test_one_task_per_value_named_like_pytest_instances() -> None:
    process = Process.from_functions([build])
    assert names(process) == ["build[dev]", "build[prod]"]
    report = process.run()
    assert report.entries["build[prod]"].result == "built-prod"
    assert report.entries["build[dev]"].kwargs == {"env": "dev"}


def test_ids_follow_pytest() -> None:
    values = ["a b", 1, 2.5, True, None, Color.RED, Thing, [1], b"x", "é"]
    ids = [value_id(v, "arg", i) for i, v in enumerate(values)]
    assert ids == ["a b", "1", "2.5", "True", "None", "Color.RED", "Thing", "arg7", "x", "\\xe9"]
    dupes = variants_from_params({"v": ["a", "a", "x1", "x1"]})
    assert [v.id for v in dupes] == ["a0", "a1", "x1_0", "x1_1"]


def test_param_gives_an_explicit_id_and_several_names_make_the_product() -> None:
    variants = variants_from_params(
        {"env": [param({"url": "..."}, id="dev"), "prod"], "region": ["eu", "us"]}
    )
    assert [v.id for v in variants] == ["dev-eu", "dev-us", "prod-eu", "prod-us"]
    assert variants[0].values == {"env": {"url": "..."}, "region": "eu"}
    assert variants[0].ids == {"env": "dev", "region": "eu"}


def test_params_are_validated_when_decorating() -> None:
    with pytest.raises(TypeError, match=r"params\['env'\] must be a list of values"):
        task(params={"env": "dev"})
    with pytest.raises(ValueError, match=r"params\['env'\] is empty"):
        task(params={"env": []})
    with pytest.raises(TypeError, match="must be a dict"):
        task(params=["dev"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="param id must be a str"):
        param(1, id=2)  # type: ignore[arg-type]


# -- pairing and fan-in --------------------------------------------------------------------


def test_a_task_with_the_family_parameter_is_paired_one_to_one() -> None:
    process = Process.from_functions([build, deploy])
    assert names(process) == ["build[dev]", "build[prod]", "deploy[dev]", "deploy[prod]"]
    assert process.get_task("deploy[dev]").dependency_names == ("build[dev]",)
    report = process.run()
    assert report.entries["deploy[prod]"].result == "built-prod to prod"


def test_a_task_without_it_receives_every_instance_keyed_by_id() -> None:
    report = Process.from_functions([build, deploy, release]).run()
    assert report.entries["release"].result == ["built-dev to dev", "built-prod to prod"]

    def summary(build: dict[str, str]) -> dict[str, str]:
        return build

    result = Process.from_functions([build, summary]).run().entries["summary"].result
    assert result == {"dev": "built-dev", "prod": "built-prod"}


def test_declared_and_inherited_parameters_combine() -> None:
    @task(params={"py": ["3.11", "3.12"]})
    def test(build: str, env: str, py: str) -> str:
        return f"{build}/{py}"

    def per_env(test: dict[str, str], env: str) -> list[str]:
        return sorted(test)

    process = Process.from_functions([build, test, per_env])
    assert "test[3.11-dev]" in names(process)
    assert process.get_task("test[3.12-prod]").dependency_names == ("build[prod]",)
    report = process.run()
    assert report.entries["test[3.12-prod]"].result == "built-prod/3.12"
    # per_env shares env with test, not py: a fan-in over py, per env
    assert report.entries["per_env[dev]"].result == ["3.11-dev", "3.12-dev"]


def test_a_failed_instance_skips_only_its_own_pair() -> None:
    @task(params={"env": ["dev", "prod"]})
    def fragile(env: str) -> str:
        if env == "prod":
            raise RuntimeError("no prod today")
        return env

    def ship(fragile: str, env: str) -> str:
        return fragile

    report = Process.from_functions([fragile, ship]).run()
    assert report.entries["ship[dev]"].status is TaskStatus.SUCCESS
    assert report.entries["ship[prod]"].reason == "upstream failed: 'fragile[prod]'"


def test_an_instance_without_a_partner_is_an_error() -> None:
    @task(params={"env": ["staging"]})
    def promote(build: str, env: str) -> str:
        return build

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([build, promote])
    assert info.value.problems == [
        "task 'promote[staging]' takes 'build' from 'build' with env=staging, but 'build' has "
        "no such instance (it has: build[dev], build[prod])"
    ]


def test_params_must_name_parameters_of_the_function() -> None:
    @task(params={"region": ["eu"]})
    def nowhere() -> None:
        return None

    with pytest.raises(TaskDefinitionError, match="names 'region', which the function does not"):
        Process.from_functions([nowhere])


# -- the pure expansion, for pytest --processes --------------------------------------------


def test_expand_families_is_a_pure_function_over_names_and_variants() -> None:
    dev = Variant("dev", {"env": "dev"}, {"env": "dev"})
    prod = Variant("prod", {"env": "prod"}, {"env": "prod"})
    specs, problems = expand_families(
        [
            FamilyNode("report", ("deploy",)),
            FamilyNode("deploy", ("build", "env")),
            FamilyNode("build", ("env",), (dev, prod)),
        ]
    )
    assert problems == []
    assert specs == [
        TaskSpec(
            "report",
            "report",
            None,
            (Link("deploy", "deploy[dev]", "dev"), Link("deploy", "deploy[prod]", "prod")),
        ),
        TaskSpec("deploy[dev]", "deploy", dev, (Link("build", "build[dev]"),)),
        TaskSpec("deploy[prod]", "deploy", prod, (Link("build", "build[prod]"),)),
        TaskSpec("build[dev]", "build", dev, ()),
        TaskSpec("build[prod]", "build", prod, ()),
    ]


def test_a_family_instance_can_be_run_with_task_run() -> None:
    process = Process.from_functions([build, deploy, release])
    process.run()
    result: Any = process.get_task("release").run(process)
    assert result.result == ["built-dev to dev", "built-prod to prod"]
