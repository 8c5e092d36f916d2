"""The one parameters file: defaults, overrides, and values that must never reach SQL."""

from __future__ import annotations

import pytest
import yaml

from rentan.parameters import FORMS, load_parameters
from rentan.paths import PARAMETERS_FILE


def test_defaults_are_the_rulebook_section_1_and_every_parameter_has_a_form():
    params = load_parameters()
    assert set(params) == set(FORMS) == set(yaml.safe_load(PARAMETERS_FILE.read_text()))
    assert params["coverage_start_month"] == "2026-01" and params["quota"] == 10000
    assert (params["unpaid_flag_months"], params["bpjs_lapse_months"]) == (2, 3)


def test_overrides_from_a_yaml_file_including_an_unquoted_date(tmp_path):
    path = tmp_path / "params.yml"
    path.write_text("coverage_start_month: '2026-02'\nselection_date: 2025-11-30\nbudget_idr: 1500000000\n")
    params = load_parameters(path)
    assert (params["coverage_start_month"], params["selection_date"], params["budget_idr"]) == (
        "2026-02",
        "2025-11-30",
        1500000000,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"quta": 5},  # a typo is not silently ignored
        {"program_payer_code": "PEMKOT'; drop table ops.eligibility; --"},
        {"kode_kota": "3275' or '1'='1"},
        {"selection_date": "2025-13-45"},
        {"quota": "10000"},
        {"quota": True},
        {"coverage_start_month": "2026-1"},
        {"unpaid_flag_months": "2"},
        {"bpjs_lapse_months": 3.5},
    ],
)
def test_unknown_names_and_values_of_the_wrong_form_are_refused(overrides):
    with pytest.raises(ValueError):
        load_parameters(overrides)
