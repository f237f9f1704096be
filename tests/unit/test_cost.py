"""Money per VPC (remediation.cost): the docs/cost.md formulas against figures computed by hand."""

from __future__ import annotations

import pytest

from remediation.cost import PRICE_TABLE, money, per_month, prices


def test_measured_endpoints_worked_example() -> None:
    # docs/cost.md: us-east-1, 6 endpoint-AZs, 14 GB through the endpoints in 14 days.
    m = money("us-east-1", endpoint_azs=6, basis="measured", measured_bytes=14e9, days=14)
    assert m.gb_per_month == pytest.approx(30.416667, abs=1e-6)  # 14 GB x 730 h / 336 h
    assert m.endpoints_hourly_usd == 43.80  # 6 x 0.01 x 730
    assert m.endpoints_data_usd == 0.30  # 30.4167 x 0.01
    assert m.endpoints_monthly_usd == 44.10
    assert m.nat_avoided_usd == 1.37  # 30.4167 x 0.045
    assert m.net_usd == -42.73
    assert "they cost more than they save" in m.describe()


def test_upper_bound_from_nat_bytes() -> None:
    # 1 TB through the NAT gateways in 14 days: 2,172.62 GB a month.
    m = money("us-east-1", endpoint_azs=4, basis="upper-bound", measured_bytes=1e12, days=14)
    assert m.gb_per_month == pytest.approx(2172.619, abs=1e-3)
    assert m.endpoints_monthly_usd == round(29.20 + 21.73, 2)  # 4 x 7.30 + 2172.62 x 0.01
    assert m.nat_avoided_usd == 97.77  # 2172.62 x 0.045
    assert m.net_usd == round(97.77 - 50.93, 2)
    assert "upper bound" in m.describe() and "they pay for themselves" in m.describe()
    assert m.as_dict()["basis"] == "upper-bound"


def test_not_measured_has_no_avoided_figure() -> None:
    m = money("us-east-1", endpoint_azs=2, basis="not-measured", measured_bytes=5e9)
    assert m.endpoints_monthly_usd == 14.60
    assert m.nat_avoided_usd is None and m.net_usd is None
    assert "not measured" in m.describe()


def test_a_region_not_in_the_table_says_so() -> None:
    assert "ap-southeast-7" not in PRICE_TABLE
    price = prices("ap-southeast-7")
    assert not price.known and price.basis == "us-east-1"
    m = money("ap-southeast-7", endpoint_azs=1, basis="measured", measured_bytes=0)
    assert "ap-southeast-7 not in the price table: us-east-1 prices" in m.describe()
    assert m.as_dict()["price_known"] is False


def test_per_month_scales_by_730_hours() -> None:
    assert per_month(24e9, 1) == pytest.approx(730.0)
    assert per_month(1e9, 0) == 0.0
