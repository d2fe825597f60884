"""``batch.json``'s quick paths give the answers of the general ones.

Items are read by a quick reader for the everyday shape and by ``track``'s
parser for the rest; stats without a ``ref_id`` go in by one plain insert
with ids worked out ahead. Each is compared here with the general way: the
reader with ``track``'s parser, field by field and refusal by refusal, and
:func:`store_batch` with a reference that stores item after item through
``track``'s upsert and renders each stored row, on the same database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statsmix_server import accounts
from statsmix_server.accounts import Account
from statsmix_server.api.batch_items import general_item, quick_item, read_item
from statsmix_server.api.batch_store import store_batch
from statsmix_server.api.track import track_fields
from statsmix_server.database import Database
from statsmix_server.errors import ApiError
from statsmix_server.metric_store import metric_id_for, resolve_profile
from statsmix_server.plan import limit_message
from statsmix_server.records import stat_record
from statsmix_server.stat_store import MAX_STAT_ID, StatChanges, upsert_stat
from statsmix_server.values import db_time, format_int_value, format_value

T = TypeVar("T")

NOW = "2026-05-09 07:35:25.123456"

#: Profiles made by the fixture: two of the first account, one of another.
FIRST_PROFILE, SECOND_PROFILE, OTHER_ACCOUNT_PROFILE = 1, 2, 3


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Two accounts with stats already stored, one ``ref_id`` among them."""
    path: Path = tmp_path_factory.mktemp("batch") / "statsmix.db"
    database = Database(path)
    with database.write() as conn:
        account, _ = accounts.create_account(conn, "First", None)
        accounts.create_profile(conn, account.id, "Second")
        accounts.create_account(conn, "Other", None)
        metric = metric_id_for(conn, FIRST_PROFILE, "Signups")
        for ref_id in ("known", None, None):
            changes = StatChanges(value="5.0", ref_id=ref_id, meta='{"a":1}')
            upsert_stat(conn, metric, FIRST_PROFILE, changes)
        # The largest id is gone: SQLite gives it again, and so must a batch.
        conn.execute("DELETE FROM stats WHERE id = (SELECT max(id) FROM stats)")
    try:
        yield database
    finally:
        database.close()


FIRST_ACCOUNT = Account(1, "First", None)


class _RolledBack(Exception):
    """Ends a write so that every run starts from the same file."""


def rolled_back(database: Database, work: Callable[[sqlite3.Connection], T]) -> T:
    """What ``work`` returns inside a write transaction that is then undone."""
    outcome: list[T] = []
    try:
        with database.write() as conn:
            outcome.append(work(conn))
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome[0]


def stored_stats(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute("SELECT * FROM stats ORDER BY id")]


def reference_store(
    conn: sqlite3.Connection, account: Account, items: list[Any], granted: int
) -> str:
    """The general way: each item alone through ``track``'s parser and upsert."""
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            if index >= granted:
                now = datetime.now(timezone.utc)
                raise ApiError(403, limit_message(account.monthly_limit or 0, now))
            if not isinstance(item, dict):
                raise ApiError(422, f"stats[{index}] must be an object of fields")
            name, profile_id, changes = track_fields(item)
            profile = resolve_profile(conn, account.id, profile_id)
            metric = metric_id_for(conn, profile, name)
            row = upsert_stat(conn, metric, profile, changes, now=NOW)
            stat = {field.name: field.value for field in stat_record(row)}
            results.append({"status": 200, "stat": stat})
        except ApiError as error:
            results.append({"status": error.status, "errors": {"error": error.message}})
    return json.dumps({"results": results}, ensure_ascii=False, separators=(",", ":"))


def assert_same_as_reference(
    database: Database, items: list[Any], granted: int | None = None
) -> list[dict[str, Any]]:
    """Both ways store the same rows and answer the same text; the results."""
    allowed = len(items) if granted is None else granted

    def quick(conn: sqlite3.Connection) -> tuple[str, list[tuple[Any, ...]]]:
        answer = store_batch(conn, FIRST_ACCOUNT, items, allowed, NOW)
        return answer, stored_stats(conn)

    def general(conn: sqlite3.Connection) -> tuple[str, list[tuple[Any, ...]]]:
        answer = reference_store(conn, FIRST_ACCOUNT, items, allowed)
        return answer, stored_stats(conn)

    quick_answer, quick_rows = rolled_back(database, quick)
    general_answer, general_rows = rolled_back(database, general)
    assert quick_answer == general_answer
    assert quick_rows == general_rows
    results: list[dict[str, Any]] = json.loads(quick_answer)["results"]
    return results


# Field values of every kind a JSON body can carry, good and bad.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([10**11 - 1, -(10**11) + 1, 10**11, 2**63, 0, -0.0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["", " ", "12.50", "1e3", "abc", "x" * 256, 'é"\\\n']),
)
metas = st.one_of(
    st.dictionaries(st.text(max_size=4), scalars, max_size=3),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers()), max_size=2),
    st.sampled_from(['{"a":"b"}', "{}", "[1]", "not json", '{"k": "\\u00e9"}']),
    scalars,
)
times = st.one_of(
    st.floats(min_value=-10.0, max_value=2.6e11, allow_nan=False),
    st.integers(min_value=-5, max_value=253402300800),
    st.sampled_from(
        [
            "2012-10-19T21:13:20Z",
            "2012-10-19 15:18:42 -0600",
            "2012-10-19GMT21:13:20",
            "2012/10/19 21:13:20",
            "2012-10-19",
            "2012-10-19T21:13:20.250000+02:00",
            "yesterday",
            "",
        ]
    ),
    scalars,
)
profile_ids = st.one_of(
    st.sampled_from([FIRST_PROFILE, SECOND_PROFILE, OTHER_ACCOUNT_PROFILE, 999]),
    st.sampled_from([0, -1, 2**63, "1", " 2 ", "x", True]),
    st.none(),
)
items = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["Signups", "Daily", "é"]), scalars),
        "value": scalars,
        "meta": metas,
        "ref_id": st.one_of(st.sampled_from(["known", "r1", "r2"]), scalars),
        "generated_at": times,
        "profile_id": profile_ids,
        "extra": scalars,
    },
)


def outcome(read: Callable[[], object]) -> object:
    """What a reader returns, or the status and message it refuses with."""
    try:
        return read()
    except ApiError as error:
        return (error.status, error.message)


@settings(max_examples=400, deadline=None)
@given(items)
def test_quick_reader_agrees_with_tracks_parser(item: dict[str, Any]) -> None:
    quick = quick_item(item)
    general = outcome(lambda: general_item(item))

    if quick is not None:
        assert quick == general
    assert outcome(lambda: read_item(item, 0)) == general


@pytest.mark.parametrize(
    "item",
    [
        {"name": "Signups"},
        {"name": "Signups", "value": 3, "meta": {"plan": "gold"}},
        {"name": "Signups", "value": -2.5, "generated_at": 1778312125.123456},
        {"name": "Signups", "value": 0, "generated_at": "2012-10-19T21:13:20Z"},
        {"name": "Signups", "ref_id": "order-7", "profile_id": 1, "meta": {}},
        {"name": "Signups", "value": None, "meta": None, "ref_id": None},
    ],
)
def test_quick_reader_takes_the_everyday_shapes(item: dict[str, Any]) -> None:
    assert quick_item(item) == general_item(item)


@settings(max_examples=60, deadline=None)
@given(st.lists(items, min_size=1, max_size=12), st.integers(0, 14))
def test_batch_stores_and_answers_as_item_by_item_would(
    database: Database, batch: list[dict[str, Any]], granted: int
) -> None:
    assert_same_as_reference(database, batch, granted)


def test_mixed_batch_with_ref_ids_bad_items_and_plan_limit(database: Database) -> None:
    batch: list[Any] = [
        {"name": "Signups", "value": 2, "meta": {"plan": "pro", "q": 'say "hi"'}},
        {"name": "Signups", "ref_id": "known", "value": 9},
        {"name": "Signups", "value": "abc"},
        {"name": "Daily", "ref_id": "day-1", "value": 0},
        "not an object",
        {"name": "Daily", "value": 1.25, "meta": {"ünï": "cödé\u2028\x00"}},
        {"name": "Daily", "ref_id": "day-1", "value": 3.5, "meta": {"x": 1}},
        {"name": "Signups", "profile_id": OTHER_ACCOUNT_PROFILE},
        {"name": "Signups", "profile_id": SECOND_PROFILE, "generated_at": 0},
        {"value": 1},
        {"name": "Signups"},
        {"name": "Signups"},
    ]
    results = assert_same_as_reference(database, batch, granted=11)

    statuses = [result["status"] for result in results]
    assert statuses == [200, 200, 422, 200, 422, 200, 200, 404, 200, 422, 200, 403]
    known, day_one, day_one_again = results[1], results[3], results[6]
    assert known["stat"]["id"] == 1 and known["stat"]["value"] == "9.0"
    assert day_one_again["stat"]["id"] == day_one["stat"]["id"]
    assert day_one_again["stat"]["created_at"] == day_one["stat"]["created_at"]
    # New stats take the ids one past the largest, in order, whichever way
    # they went in: 3 first, as the fixture deleted the stat that had it.
    ids = [results[i]["stat"]["id"] for i in (0, 3, 5, 8, 10)]
    assert ids == [3, 4, 5, 6, 7]


def test_batch_of_1000_everyday_items(database: Database) -> None:
    batch = [
        {"name": f"M{index % 7}", "value": index, "meta": {"n": index}}
        for index in range(1000)
    ]
    results = assert_same_as_reference(database, batch)

    assert [result["status"] for result in results] == [200] * 1000


def test_batch_past_the_largest_id_lets_sqlite_pick(database: Database) -> None:
    def store(conn: sqlite3.Connection) -> tuple[str, list[sqlite3.Row]]:
        metric = metric_id_for(conn, FIRST_PROFILE, "Signups")
        conn.execute(
            "INSERT INTO stats (id, metric_id, value, generated_at, created_at, "
            "updated_at) VALUES (?, ?, '1.0', ?, ?, ?)",
            (MAX_STAT_ID, metric, NOW, NOW, NOW),
        )
        batch = [{"name": "Signups", "value": index} for index in range(3)]
        answer = store_batch(conn, FIRST_ACCOUNT, batch, 3, NOW)
        stats = json.loads(answer)["results"]
        rows = [
            conn.execute(
                "SELECT s.*, ? AS profile_id FROM stats AS s WHERE id = ?",
                (FIRST_PROFILE, result["stat"]["id"]),
            ).fetchone()
            for result in stats
        ]
        return answer, rows

    answer, rows = rolled_back(database, store)

    stats = [result["stat"] for result in json.loads(answer)["results"]]
    assert all(row is not None for row in rows)
    assert stats == [{f.name: f.value for f in stat_record(row)} for row in rows]
    assert len({stat["id"] for stat in stats}) == 3


@given(st.integers(min_value=-(10**11) + 1, max_value=10**11 - 1))
def test_int_value_is_stored_as_decimal_would_store_it(value: int) -> None:
    assert format_int_value(value) == format_value(Decimal(value))


offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59),
    max_value=timedelta(hours=23, minutes=59),
).map(timezone)


@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=offsets,
    )
)
def test_db_time_is_the_utc_time_without_its_zone(moment: datetime) -> None:
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    assert db_time(moment) == utc.isoformat(" ", "microseconds")
