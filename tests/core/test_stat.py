from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from statsmix_middleware import Stat
from statsmix_middleware.stat import (
    MAX_META_KEY_LENGTH,
    MAX_META_KEYS,
    MAX_META_VALUE_LENGTH,
)
from statsmix_middleware.timestamps import _normalise
from tests.core.bad_input import BAD_INPUT

UTC = timezone.utc
MOMENT = datetime(2012, 10, 19, 21, 13, 20, tzinfo=UTC)


def test_stat_defaults_to_value_one_now_and_no_extras() -> None:
    before = datetime.now(UTC)
    stat = Stat("Blog Posts")
    after = datetime.now(UTC)

    assert stat.name == "Blog Posts"
    assert stat.value == 1
    assert dict(stat.meta) == {}
    assert stat.ref_id is None
    assert stat.profile_id is None
    assert before <= stat.generated_at <= after
    assert stat.generated_at.tzinfo is UTC


def test_stat_keeps_an_explicit_zero() -> None:
    assert Stat("Errors", 0).value == 0


@pytest.mark.parametrize("value", [0, -5, 2.5, Decimal("19.99"), 99_999_999_999])
def test_stat_accepts_numbers(value: Any) -> None:
    assert Stat("Revenue", value).value == value


@pytest.mark.parametrize(
    "given",
    [
        MOMENT,
        MOMENT.replace(tzinfo=None),
        MOMENT.astimezone(timezone(timedelta(hours=-6))),
        "2012-10-19T21:13:20Z",
        "2012-10-19T21:13:20",
        "2012-10-19T23:13:20+02:00",
        "2012-10-19T23:13:20+0200",
        "2012-10-19T21:13:20.000Z",
        "2012-10-19 21:13:20",
        "2012/10/19 21:13:20",
        "2012-10-19 15:13:20 -0600",
        "2012-10-19GMT21:13:20",
        1350681200,
        1350681200.0,
    ],
)
def test_generated_at_forms_normalise_to_utc(given: Any) -> None:
    stat = Stat("Signups", generated_at=given)

    assert stat.generated_at == MOMENT
    assert stat.generated_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2012-10-19T21:13:20.5Z", "2012-10-19T21:13:20.500000+00:00"),
        ("2012-10-19T21:13:20,5Z", "2012-10-19T21:13:20.500000+00:00"),
        ("2012-10-19T21:13:20.123456789Z", "2012-10-19T21:13:20.123456+00:00"),
        ("2012-10-19T23:13:20.25+0200", "2012-10-19T23:13:20.250000+02:00"),
        ("2012-10-19GMT21:13:20.5", "2012-10-19T21:13:20.500000+00:00"),
    ],
)
def test_fractions_and_compact_offsets_are_spelled_for_python_3_10(
    given: str, expected: str
) -> None:
    """Python 3.10 reads only 6-digit fractions and +HH:MM offsets itself."""
    assert _normalise(given) == expected
    assert Stat("x", generated_at=given).generated_at == datetime.fromisoformat(
        expected
    )


def test_generated_at_date_only_is_midnight_utc() -> None:
    assert Stat("x", generated_at="2012-10-19").generated_at == datetime(
        2012, 10, 19, tzinfo=UTC
    )
    assert Stat("x", generated_at=date(2012, 10, 19)).generated_at == datetime(
        2012, 10, 19, tzinfo=UTC
    )


def test_meta_is_a_read_only_copy() -> None:
    given = {"file type": "PDF", "pages": 3, "ratio": 0.5, "public": True}
    stat = Stat("File Uploads", meta=given)
    given["file type"] = "changed"

    assert dict(stat.meta) == {
        "file type": "PDF",
        "pages": 3,
        "ratio": 0.5,
        "public": True,
    }
    with pytest.raises(TypeError):
        stat.meta["x"] = "y"  # type: ignore[index]


def test_ref_id_int_becomes_a_string() -> None:
    assert Stat("Daily Users", ref_id=20121019).ref_id == "20121019"
    assert Stat("Daily Users", ref_id="2012-10-19").ref_id == "2012-10-19"


def test_profile_id_digits_become_an_int() -> None:
    assert Stat("x", profile_id="42").profile_id == 42
    assert Stat("x", profile_id=42).profile_id == 42


def test_values_at_every_bound_are_accepted() -> None:
    meta = {
        "k" * MAX_META_KEY_LENGTH: "v" * MAX_META_VALUE_LENGTH,
        **{f"k{i}": i for i in range(MAX_META_KEYS - 1)},
    }
    stat = Stat(
        "n" * 255,
        Decimal("-99999999999.999"),
        meta=meta,
        ref_id="r" * 255,
        generated_at=0,
    )

    assert len(stat.name) == 255
    assert stat.value == Decimal("-99999999999.999")
    assert dict(stat.meta) == meta
    assert stat.ref_id == "r" * 255
    assert stat.generated_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_stat_is_immutable() -> None:
    stat = Stat("Blog Posts")

    with pytest.raises(AttributeError):
        stat.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del stat.value


def test_replace_validates_and_keeps_the_rest() -> None:
    stat = Stat("Blog Posts", 3, meta={"a": "b"}, ref_id="r", generated_at=MOMENT)
    renamed = stat.replace(name="Test Metric")

    assert renamed.name == "Test Metric"
    assert (renamed.value, renamed.ref_id, renamed.generated_at) == (3, "r", MOMENT)
    assert dict(renamed.meta) == {"a": "b"}
    with pytest.raises(ValueError, match="name"):
        stat.replace(name="")


def test_to_dict_is_json_ready() -> None:
    stat = Stat("Revenue", Decimal("1.50"), meta={"a": 1}, generated_at=MOMENT)

    assert stat.to_dict() == {
        "name": "Revenue",
        "value": "1.50",
        "meta": {"a": 1},
        "ref_id": None,
        "generated_at": "2012-10-19T21:13:20+00:00",
        "profile_id": None,
    }


def test_equal_stats_compare_and_hash_equal() -> None:
    first = Stat("x", 2, meta={"a": "b"}, generated_at=MOMENT)
    second = Stat("x", 2, meta={"a": "b"}, generated_at=MOMENT)

    assert first == second
    assert len({first, second}) == 1
    assert "x" in repr(first)


@pytest.mark.parametrize(("kwargs", "error", "field"), BAD_INPUT)
def test_bad_input_raises_naming_the_field(
    kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    fields: dict[str, Any] = {"name": "Blog Posts", **kwargs}
    name = fields.pop("name")
    value = fields.pop("value", 1)

    with pytest.raises(error) as raised:
        Stat(name, value, **fields)

    # Every message starts with the field it is about.
    assert str(raised.value).startswith(field)
