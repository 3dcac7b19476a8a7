"""The frozen feature spec: serialisation, fingerprint, defaults, validation and shifting."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from features.dataset import Frequency
from features.default_specs import default_spec
from features.spec import ENCODINGS, FeatureSpec, RollingFeature, min_periods

FREQUENCIES = list(Frequency)


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_json_round_trip(frequency: Frequency) -> None:
    spec = default_spec(frequency)
    back = FeatureSpec.from_json(spec.to_json())
    assert back == spec
    assert back.feature_names == spec.feature_names
    assert json.loads(spec.to_json())["rolling"][0] == {
        "window": spec.rolling[0].window,
        "stat": "mean",
        "offset": 1,
    }


def test_from_dict_accepts_lists_and_strings() -> None:
    spec = FeatureSpec.from_dict(
        {"frequency": "weekly", "lags": [1, 2], "rolling": [{"window": 4, "stat": "mean"}]}
    )
    assert spec.frequency is Frequency.WEEKLY
    assert spec.lags == (1, 2)
    assert spec.rolling == (RollingFeature(4, "mean", 1),)
    assert spec.feature_names == ("lag_1", "lag_2", "roll_mean_4")


def test_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown FeatureSpec field"):
        FeatureSpec.from_dict({"frequency": "daily", "lagz": [1]})
    with pytest.raises(ValueError, match="needs 'frequency'"):
        FeatureSpec.from_dict({"lags": [1]})


def test_fingerprint_is_stable() -> None:
    a, b = default_spec("daily"), default_spec(Frequency.DAILY)
    assert a.fingerprint() == b.fingerprint() == FeatureSpec.from_json(a.to_json()).fingerprint()
    assert len(a.fingerprint()) == 64
    # Key order in the stored JSON does not matter: the fingerprint is over canonical JSON.
    shuffled = dict(reversed(list(a.to_dict().items())))
    assert FeatureSpec.from_dict(shuffled).fingerprint() == a.fingerprint()


BASE = default_spec(Frequency.DAILY)
CHANGES = {
    "target": replace(BASE, target="units"),
    "lags": replace(BASE, lags=BASE.lags[:-1]),
    "rolling window": replace(BASE, rolling=(RollingFeature(8, "mean"), *BASE.rolling[1:])),
    "rolling stat": replace(BASE, rolling=(RollingFeature(7, "min"), *BASE.rolling[1:])),
    "rolling offset": replace(BASE, rolling=(RollingFeature(7, "mean", 2), *BASE.rolling[1:])),
    "calendar": replace(BASE, calendar=BASE.calendar[:-1]),
    "price_features": replace(BASE, price_features=("price",)),
    "price_window": replace(BASE, price_window=28),
    "promo_features": replace(BASE, promo_features=("on_promo",)),
    "encodings": replace(BASE, encodings=("sku_code",)),
    "frequency": replace(BASE, frequency=Frequency.WEEKLY, calendar=("month",)),
    "version": replace(BASE, version=1),
}


@pytest.mark.parametrize("changed", list(CHANGES), ids=list(CHANGES))
def test_fingerprint_changes_with_every_field(changed: str) -> None:
    assert CHANGES[changed].fingerprint() != BASE.fingerprint()


def test_fingerprints_of_all_changes_are_distinct() -> None:
    prints = {spec.fingerprint() for spec in CHANGES.values()} | {BASE.fingerprint()}
    assert len(prints) == len(CHANGES) + 1


@pytest.mark.parametrize(
    ("frequency", "lags", "lookback", "calendar_head"),
    [
        (Frequency.DAILY, (1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 364), 364, "dayofweek"),
        (Frequency.WEEKLY, (1, 2, 3, 4, 8, 13, 51, 52, 53, 104), 116, "weekofyear"),
        (Frequency.MONTHLY, (1, 2, 3, 6, 12), 12, "month"),
    ],
)
def test_default_specs(
    frequency: Frequency, lags: tuple[int, ...], lookback: int, calendar_head: str
) -> None:
    spec = default_spec(frequency)
    assert spec.lags == lags
    assert spec.min_lag == 1
    assert spec.max_lookback == lookback
    assert spec.calendar[0] == calendar_head
    assert spec.categorical_features == ENCODINGS
    assert spec.feature_names[: len(lags)] == tuple(f"lag_{k}" for k in lags)
    assert spec.feature_names[-3:] == ENCODINGS
    assert "roll_mean_" + str({"daily": 7, "weekly": 4, "monthly": 3}[frequency]) in (
        spec.feature_names
    )


def test_daily_default_rolling() -> None:
    names = [r.name for r in default_spec("daily").rolling]
    assert names == ["roll_mean_7", "roll_mean_28", "roll_mean_91", "roll_std_28", "roll_max_28"]


def test_shifted_one_is_identity() -> None:
    assert BASE.shifted(1) == BASE


def test_shifted_moves_every_target_read_back() -> None:
    spec = FeatureSpec(
        frequency=Frequency.DAILY,
        lags=(1, 7),
        rolling=(RollingFeature(7, "mean"), RollingFeature(28, "std", 2)),
        calendar=("dayofweek",),
        promo_features=("on_promo", "promo_lag1"),
    )
    moved = spec.shifted(3)
    assert moved.lags == (3, 9)
    assert moved.rolling == (RollingFeature(7, "mean", 3), RollingFeature(28, "std", 4))
    assert moved.min_lag == 3
    assert moved.max_lookback == 4 + 28 - 1
    assert moved.feature_names == (
        "lag_3",
        "lag_9",
        "roll_mean_7_lag3",
        "roll_std_28_lag4",
        "dayofweek",
        "on_promo",
        "promo_lag1",
    )
    assert moved.calendar == spec.calendar and moved.promo_features == spec.promo_features
    with pytest.raises(ValueError, match="horizon"):
        spec.shifted(0)


@pytest.mark.parametrize(
    ("frequency", "lags", "horizon", "expected"),
    [
        # Weekly 13-week bucket: lag 52 stays the same week last year, recent lags move.
        (Frequency.WEEKLY, (1, 4, 13, 52), 13, (13, 16, 25, 52)),
        # Daily 28-day bucket: 364 keeps the weekday a year ago.
        (Frequency.DAILY, (1, 7, 364), 28, (28, 34, 364)),
        # Monthly 12-month bucket: lag 12 would collide with lag 1 moved to 12, so it moves.
        (Frequency.MONTHLY, (1, 12), 12, (12, 23)),
        # A seasonal lag shorter than the horizon is not known at the origin: it moves.
        (Frequency.MONTHLY, (12,), 13, (24,)),
    ],
)
def test_shifted_keeps_seasonal_lags_in_place(
    frequency: Frequency, lags: tuple[int, ...], horizon: int, expected: tuple[int, ...]
) -> None:
    spec = FeatureSpec(frequency=frequency, lags=lags, version=2)
    moved = spec.shifted(horizon)
    assert moved.lags == expected
    assert min(moved.lags) >= horizon  # nothing read after the origin
    # Version 1 specs (models saved before) keep the old rule: every lag moves.
    old = replace(spec, version=1).shifted(horizon)
    assert old.lags == tuple(k + horizon - 1 for k in lags)


def test_default_specs_anchor_their_seasonal_lag() -> None:
    for frequency, bucket in ((Frequency.DAILY, 28), (Frequency.WEEKLY, 13)):
        spec = default_spec(frequency)
        assert max(spec.lags) in spec.shifted(bucket).lags


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lags": (0, 1)}, "lags must be >= 1"),
        ({"calendar": ("dayofweek",), "frequency": Frequency.WEEKLY}, "needs"),
        ({"calendar": ("moon_phase",)}, "unknown calendar feature"),
        ({"price_features": ("discount",)}, "unknown price_features"),
        ({"encodings": ("store_code",)}, "unknown encodings"),
        ({"lags": (7, 7)}, "duplicated"),
        ({"price_window": 0}, "price_window"),
    ],
)
def test_invalid_specs_say_what_to_fix(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"frequency": Frequency.DAILY, **kwargs}
    with pytest.raises(ValueError, match=message):
        FeatureSpec(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 7, "stat": "mean", "offset": 0}, "offset"),
        ({"window": 0, "stat": "mean"}, "window"),
        ({"window": 1, "stat": "std"}, "std needs window >= 2"),
        ({"window": 7, "stat": "median"}, "not one of"),
    ],
)
def test_invalid_rolling(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RollingFeature(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("window", "expected"), [(1, 1), (2, 1), (3, 1), (7, 3), (28, 14)])
def test_min_periods_is_half_the_window(window: int, expected: int) -> None:
    assert min_periods(window) == expected


def test_spec_is_frozen_and_hashable() -> None:
    with pytest.raises(AttributeError):
        BASE.lags = (1,)  # type: ignore[misc]
    assert {BASE: 1}[default_spec("daily")] == 1


def test_shifted_moves_pooled_features_with_their_own() -> None:
    spec = default_spec(Frequency.WEEKLY)
    moved = spec.shifted(13)
    assert moved.pooled == ("lag_52", "roll_mean_13_lag64", "lag_104", "roll_mean_13_lag116")
    assert moved.pooling == 0.0 and moved.seasonal == ()
    names = moved.feature_names
    assert [n for n in names if n.startswith("item_")] == [f"item_{n}" for n in moved.pooled]
    assert len(names) == len(spec.feature_names)  # position by position onto the base names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pooled": ("month",)}, "pooled"),
        ({"pooling": 1.5}, "pooling"),
        ({"seasonal": ("lag_52", "roll_mean_13", "roll_mean_13_lag52", "lag_104")}, "triples"),
    ],
)
def test_pooled_and_seasonal_fields_are_checked(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(default_spec(Frequency.WEEKLY), **change)


def test_pooling_is_part_of_the_fingerprint_only_when_set() -> None:
    spec = default_spec(Frequency.WEEKLY)
    assert json.loads(spec.to_json())["pooling"] == 0.3
    assert replace(spec, pooling=0.5).fingerprint() != spec.fingerprint()
    assert "pooling" not in json.loads(default_spec(Frequency.DAILY).to_json())
    assert FeatureSpec.from_json(spec.to_json()) == spec
