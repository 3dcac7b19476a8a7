"""The feature store: round trip, atomic writes, content addressing, fingerprints."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.build import iter_feature_chunks
from features.dataset import Frequency
from features.default_specs import default_spec
from features.spec import FeatureSpec, RollingFeature
from features.store import FeatureStore, feature_manifest, fingerprint_file, fingerprint_frame

SPEC = FeatureSpec(
    frequency=Frequency.DAILY,
    lags=(1, 7),
    rolling=(RollingFeature(7, "mean"),),
    calendar=("dayofweek",),
    encodings=("sku_code",),
)


def panel(n_series: int = 3, days: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sku": pd.Categorical(np.repeat([f"P{i}" for i in range(n_series)], days)),
            "location": pd.Categorical(["S1"] * (n_series * days)),
            "date": np.tile(pd.date_range("2024-01-01", periods=days).to_numpy(), n_series),
            "demand": rng.poisson(4, n_series * days).astype(np.float32),
            "censored": False,
            "anomaly": False,
        }
    )


def chunks(frame: pd.DataFrame, spec: FeatureSpec = SPEC) -> Iterator[pd.DataFrame]:
    return iter_feature_chunks(frame, spec, chunk_series=1)


def write(store: FeatureStore, frame: pd.DataFrame, spec: FeatureSpec = SPEC) -> str:
    fingerprint = fingerprint_frame(frame)
    key = store.key(fingerprint, spec)
    store.write(key, chunks(frame, spec), feature_manifest(spec, fingerprint, source="test"))
    return key


def test_write_read_round_trip(tmp_path: Path) -> None:
    store, frame = FeatureStore(tmp_path), panel()
    key = write(store, frame)
    expected = pd.concat(list(chunks(frame)), ignore_index=True)
    got = store.read(key)
    pd.testing.assert_frame_equal(got, expected)
    assert got["sku"].dtype == "category" and got["sku_code"].dtype == np.int32
    pd.testing.assert_frame_equal(
        store.read(key, columns=["date", "lag_7"]), expected[["date", "lag_7"]]
    )
    assert sorted(p.name for p in store.path(key).iterdir()) == [
        "manifest.json",
        "part-000-00000.parquet",
        "part-000-00001.parquet",
        "part-000-00002.parquet",
    ]


def test_manifest_records_origin_and_shape(tmp_path: Path) -> None:
    store, frame = FeatureStore(tmp_path), panel()
    key = write(store, frame)
    manifest = store.manifest(key)
    assert manifest["key"] == key
    assert FeatureSpec.from_dict(manifest["spec"]) == SPEC
    assert manifest["spec_fingerprint"] == SPEC.fingerprint()
    assert manifest["input_fingerprint"] == fingerprint_frame(frame)
    assert manifest["frequency"] == "daily" and manifest["source"] == "test"
    assert manifest["rows"] == 90
    assert [p["rows"] for p in manifest["parts"]] == [30, 30, 30]
    assert manifest["columns"][:6] == ["sku", "location", "date", "demand", "censored", "anomaly"]
    assert manifest["columns"][6:] == list(SPEC.feature_names)
    assert manifest["dtypes"]["lag_1"] == "float"
    assert manifest["created_at"].endswith("+00:00")


def test_crash_mid_write_leaves_nothing(tmp_path: Path) -> None:
    store, frame = FeatureStore(tmp_path), panel()
    key = store.key(fingerprint_frame(frame), SPEC)

    def crashing() -> Iterator[pd.DataFrame]:
        it = chunks(frame)
        yield next(it)
        yield next(it)
        raise RuntimeError("killed while building chunk 3")

    with pytest.raises(RuntimeError, match="chunk 3"):
        store.write(key, crashing(), feature_manifest(SPEC, "x"))
    assert not store.exists(key)
    assert store.keys() == [] and store.latest() is None
    assert list(tmp_path.iterdir()) == []  # the temporary folder is gone too
    with pytest.raises(KeyError, match="build it first"):
        store.manifest(key)


def test_chunks_with_different_columns_are_refused(tmp_path: Path) -> None:
    store, frame = FeatureStore(tmp_path), panel()
    parts = list(chunks(frame))
    parts[1] = parts[1].drop(columns=["lag_7"])
    with pytest.raises(ValueError, match="share one schema"):
        store.write("k", iter(parts), {})
    assert list(tmp_path.iterdir()) == []


def test_existing_entry_is_reused_without_building(tmp_path: Path) -> None:
    store, frame = FeatureStore(tmp_path), panel()
    key = write(store, frame)

    def never() -> Iterator[pd.DataFrame]:
        raise AssertionError("chunks of an existing entry must not be built")
        yield  # pragma: no cover

    assert store.write(key, never(), {}) == store.path(key)


def test_key_follows_input_and_spec(tmp_path: Path) -> None:
    frame = panel()
    fp = fingerprint_frame(frame)
    key = FeatureStore.key(fp, SPEC)
    assert len(key) == 16 and key == FeatureStore.key(fingerprint_frame(panel()), SPEC)
    changed = frame.copy()
    changed.loc[5, "demand"] = 99.0
    assert FeatureStore.key(fingerprint_frame(changed), SPEC) != key
    assert FeatureStore.key(fp, SPEC.shifted(2)) != key
    assert FeatureStore.key(fp, default_spec(Frequency.DAILY)) != key


def test_latest_is_the_newest_entry(tmp_path: Path) -> None:
    store = FeatureStore(tmp_path)
    first = write(store, panel(seed=1))
    second = write(store, panel(seed=2))
    assert first != second
    assert store.latest() == second
    assert store.keys() == sorted([first, second])
    assert store.part_paths(first)[0].name == "part-000-00000.parquet"


def test_empty_store_on_missing_root(tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "absent")
    assert store.latest() is None and not store.exists("abc")


def _variants(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    relabelled = frame.copy()
    relabelled["sku"] = relabelled["sku"].cat.rename_categories(lambda c: c + "x")
    return {
        "value": frame.assign(demand=frame["demand"].where(frame.index != 3, 0.5)),
        "column name": frame.rename(columns={"demand": "units"}),
        "dtype": frame.assign(demand=frame["demand"].astype("float64")),
        "row order": frame.iloc[::-1],
        "one row less": frame.iloc[:-1],
        "category label": relabelled,
        "flag": frame.assign(censored=frame.index == 0),
    }


@pytest.mark.parametrize("variant", list(_variants(panel())))
def test_fingerprint_frame_sees_every_change(variant: str) -> None:
    frame = panel()
    assert fingerprint_frame(_variants(frame)[variant]) != fingerprint_frame(frame)


def test_fingerprint_frame_ignores_the_index_and_handles_strings() -> None:
    frame = panel()
    assert fingerprint_frame(frame.set_axis(range(10, 100), axis=0)) == fingerprint_frame(frame)
    text = frame.assign(sku=frame["sku"].astype(str))
    assert fingerprint_frame(text) == fingerprint_frame(text.copy())
    assert fingerprint_frame(text) != fingerprint_frame(text.assign(sku="P0"))


def test_fingerprint_file_is_blake2b_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    payload = bytes(range(256)) * 10_000  # 2.5 MB: several 1 MB blocks
    path.write_bytes(payload)
    assert fingerprint_file(path) == hashlib.blake2b(payload, digest_size=20).hexdigest()
    assert fingerprint_file(path, block=7) == fingerprint_file(path)


def _age(path: Path, hours: float) -> None:
    """Make a folder and its files look last modified `hours` ago."""
    old = time.time() - hours * 3600
    for p in [path, *path.iterdir()]:
        os.utime(p, (old, old))


def test_prune_keeps_the_newest_the_protected_and_each_specs_newest(tmp_path: Path) -> None:
    store = FeatureStore(tmp_path)
    other_spec = FeatureSpec(**{**SPEC.__dict__, "lags": (1, 14)})
    champion = write(store, panel(seed=0), other_spec)  # the only entry of its spec
    reused = write(store, panel(seed=1))
    middle = write(store, panel(seed=2))
    newest = [write(store, panel(seed=s)) for s in (3, 4)]
    removed = store.prune(2, protect=(reused,))
    assert removed == [middle]
    assert set(store.keys()) == {champion, reused, *newest}
    assert store.read(champion).shape[0] > 0  # what is kept still reads whole
    assert store.prune(2, protect=(reused,)) == []  # nothing more to do
    with pytest.raises(ValueError, match="at least 1"):
        store.prune(0)


def test_prune_removes_only_stale_temporary_folders(tmp_path: Path) -> None:
    store = FeatureStore(tmp_path)
    key = write(store, panel())
    killed = store.stage("dead")
    (killed / "part-000-00000.parquet").write_bytes(b"half")
    running = store.stage("alive")  # a build writing right now
    _age(killed, hours=7)
    removed = store.prune(3)
    assert removed == [killed.name]
    assert running.is_dir() and not killed.exists()
    assert store.keys() == [key]
