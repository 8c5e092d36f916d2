"""RENTAN_PARAMS_FILE: the deployment's parameter overrides, read by every run (scheduled ones too)."""

from __future__ import annotations

import pytest

from rentan.parameters import PARAMS_FILE_ENV, load_parameters, source
from rentan.pipeline.preflight import check


def test_the_deployment_file_overrides_parameters_yml_and_a_run_overrides_both(tmp_path, monkeypatch):
    deployment = tmp_path / "params.yml"
    deployment.write_text("quota: 50\nbudget_idr: 1500000000\n")
    monkeypatch.setenv(PARAMS_FILE_ENV, str(deployment))
    params = load_parameters({"quota": 40})
    assert (params["quota"], params["budget_idr"], params["max_desil"]) == (40, 1_500_000_000, 5)
    assert load_parameters()["quota"] == 50
    assert source() == f"parameters.yml and {deployment}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "names {path}, which is not a file"),
        ("quota: [50\n", "is not valid YAML at line 2"),
        ("qouta: 50\n", "unknown programme parameter 'qouta'"),
        ("- quota\n", "must map parameter names to values"),
    ],
    ids=["missing", "not YAML", "unknown name", "not a mapping"],
)
def test_a_wrong_deployment_file_is_one_sentence_before_any_work(tmp_path, monkeypatch, fresh_url, text, message):
    path = tmp_path / "params.yml"
    if text is not None:
        path.write_text(text)
    monkeypatch.setenv(PARAMS_FILE_ENV, str(path))
    with pytest.raises(ValueError, match=message.format(path=path).replace("[", r"\[")):
        load_parameters()
    result = check(fresh_url, str(tmp_path), None)
    assert any(message.format(path=path) in problem for problem in result.problems), result.problems
