"""Place and time prior: the kernel's closed form, date exclusion, normalisation with the
open-set mass, distances, input errors, and property tests on random registers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import DviDataset, Family, PMSample
from forensic_match.errors import InputError
from forensic_match.evidence.place import PlaceModel, PlacePrior, distance_km, place_kernel
from forensic_match.pedigree import Pedigree

COORDS = {"D1": (-13.16, -74.22), "D2": (-13.16, -74.00), "D3": (-12.00, -75.50)}


def test_kernel_closed_form() -> None:
    d = np.array([0.0, 10.0, 30.0, 1000.0])
    assert place_kernel(d, scale_km=30.0, floor=0.0).tolist() == \
        pytest.approx([1.0, math.exp(-1 / 3), math.exp(-1), math.exp(-100 / 3)])
    assert place_kernel(d, scale_km=30.0, floor=0.1).tolist() == \
        pytest.approx([1.0, 0.1 + 0.9 * math.exp(-1 / 3), 0.1 + 0.9 * math.exp(-1),
                       0.1 + 0.9 * math.exp(-100 / 3)])
    with pytest.raises(InputError, match="distances must be >= 0"):
        place_kernel(-1.0)


def test_distance() -> None:
    one_degree = 2 * math.pi * 6371.0 / 360
    assert distance_km(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]))[0] == \
        pytest.approx(one_degree)
    assert distance_km(np.array([[-13.0, -74.0]]), np.array([[-13.0, -74.0]]))[0] == 0.0


def test_prior_by_hand() -> None:
    """Same district, neighbouring district, far district, and one excluded by date."""
    model = PlaceModel(scale_km=30.0, floor=0.02, open_mass=0.25)
    prior = PlacePrior(["A", "B", "C", "D"], ["D1", "D2", "D3", "D1"],
                       ["1984-01-01", "1984-01-01", "1984-01-01", "1990-05-01"],
                       coordinates=COORDS, model=model)
    w = prior.weights("D1", "1985-06-30")
    d = distance_km(np.array([COORDS["D1"]] * 3), np.array([COORDS[k] for k in COORDS]))
    expected = [1.0, 0.02 + 0.98 * math.exp(-d[1] / 30), 0.02 + 0.98 * math.exp(-d[2] / 30), 0]
    assert w.tolist() == pytest.approx(expected)
    assert w[0] > w[1] > w[2] > w[3] == 0.0
    p, open_mass = prior.prior("D1", "1985-06-30")
    assert open_mass == 0.25
    assert p.tolist() == pytest.approx([0.75 * x / sum(expected) for x in expected])
    f = prior.factor("D1", "1985-06-30")
    assert f.tolist() == pytest.approx((p * 4 / 0.75).tolist())


def test_date_exclusion_slack_and_unknowns() -> None:
    prior = PlacePrior(["A", "B", "C"], ["D1", None, "D1"],
                       ["1984-01-10", "1984-01-01", None], coordinates=COORDS,
                       model=PlaceModel(unknown_weight=0.3))
    assert prior.weights("D1", "1984-01-05").tolist() == [0.0, 0.3, 1.0]
    assert prior.weights("D1", None).tolist() == [1.0, 0.3, 1.0]
    assert prior.weights(None, "1984-01-05").tolist() == [0.0, 1.0, 1.0]
    slack = PlacePrior(["A"], ["D1"], ["1984-01-10"], coordinates=COORDS,
                       model=PlaceModel(date_slack_days=5))
    assert slack.weights("D1", "1984-01-05").tolist() == [1.0]
    assert slack.weights("D1", "1984-01-04").tolist() == [0.0]


def test_event_date() -> None:
    """A dated event excludes later disappearances and favours those of the day."""
    model = PlaceModel(event_scale_days=90.0, event_floor=0.05)
    prior = PlacePrior(["A", "B", "C", "D"], ["D1", "D1", "D1", "D1"],
                       ["1984-08-14", "1984-05-16", "1984-09-01", None], coordinates=COORDS,
                       model=model)
    w = prior.weights("D1", "2005-01-01", event_date="1984-08-14")
    assert w.tolist() == pytest.approx([1.0, 0.05 + 0.95 * math.exp(-1.0), 0.0,
                                        0.05 + 0.95 * math.exp(-1.0)])
    p, open_mass = prior.prior("D1", "2005-01-01", event_date="1984-08-14")
    assert float(p.sum()) + open_mass == pytest.approx(1.0) and p[0] > p[1] > p[2] == 0.0
    assert prior.weights("D1", "2005-01-01").tolist() == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(InputError, match="event_scale_days must be positive"):
        PlaceModel(event_scale_days=0.0)


def test_everyone_excluded_goes_to_open_set() -> None:
    prior = PlacePrior(["A", "B"], ["D1", "D2"], ["1999-01-01", "1999-02-01"],
                       coordinates=COORDS)
    p, open_mass = prior.prior("D1", "1990-01-01")
    assert p.tolist() == [0.0, 0.0] and open_mass == 1.0
    assert prior.factor("D1", "1990-01-01").tolist() == [0.0, 0.0]


def test_coordinates_directly_and_custom_kernel() -> None:
    prior = PlacePrior(["A", "B"], [(-13.16, -74.22), (-13.16, -74.00)],
                       ["1984-01-01", "1984-01-01"],
                       model=PlaceModel(kernel=lambda d: (d < 10).astype(float) + 0.5))
    assert prior.weights((-13.16, -74.22), None).tolist() == [1.5, 0.5]


def test_input_errors() -> None:
    with pytest.raises(InputError, match=r"person 'A': place 'D9' has no coordinates"):
        PlacePrior(["A"], ["D9"], [None], coordinates=COORDS)
    with pytest.raises(InputError, match=r"person 'A': date '1984-13-01' is not YYYY-MM-DD"):
        PlacePrior(["A"], ["D1"], ["1984-13-01"], coordinates=COORDS)
    with pytest.raises(InputError, match="one entry per person"):
        PlacePrior(["A", "B"], ["D1"], [None], coordinates=COORDS)
    with pytest.raises(InputError, match=r"body: place 'X' has no coordinates"):
        PlacePrior(["A"], ["D1"], [None], coordinates=COORDS).prior("X", None)
    with pytest.raises(InputError, match=r"open_mass must lie in \[0, 1\)"):
        PlaceModel(open_mass=1.0)
    with pytest.raises(InputError, match="scale_km must be positive"):
        PlaceModel(scale_km=0.0)
    with pytest.raises(InputError, match="floor"):
        PlaceModel(floor=1.5)
    bad = PlacePrior(["A"], ["D1"], [None], coordinates=COORDS,
                     model=PlaceModel(kernel=lambda d: -d))
    with pytest.raises(InputError, match="non-negative weight"):
        bad.weights("D2", None)


def test_from_dataset_and_table() -> None:
    ped = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
                                 ("S1", "F", "M", "M"), ("S2", "F", "M", "M")])
    fam = Family("F1", ped, ["S1", "S2"], {"F": {}},
                 info={"S1": {"place_missing": "D1", "date_missing": "1984-08-14"},
                       "S2": {"place_missing": "D3", "date_missing": "1986-01-01"}})
    pm = [PMSample("PM1", "M", {}, info={"district": "D1", "date_recovered": "1985-01-01"}),
          PMSample("PM2", "M", {}, info={})]
    ds = DviDataset("t", [], pm, [fam], extra={"district_coordinates": COORDS})
    prior = PlacePrior.from_dataset(ds, model=PlaceModel(open_mass=0.1))
    assert prior.persons == ["S1", "S2"]
    table = prior.table(ds.pm)
    assert table.columns == ["pm", "missing", "weight", "prior", "factor"]
    pm1 = table.filter(table["pm"] == "PM1")
    assert pm1["missing"].to_list() == ["S1", "S2", None]
    assert pm1["prior"].to_list() == pytest.approx([0.9, 0.0, 0.1])
    pm2 = table.filter(table["pm"] == "PM2")
    assert pm2["prior"].to_list() == pytest.approx([0.45, 0.45, 0.1])
    assert pm2["factor"].to_list()[:2] == pytest.approx([1.0, 1.0])


# --- properties -----------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=9000)
register = st.lists(st.tuples(st.sampled_from(["D1", "D2", "D3", None]),
                              st.one_of(st.none(), days)), min_size=1, max_size=12)


def iso(day: int | None) -> str | None:
    if day is None:
        return None
    return (np.datetime64("1980-01-01") + np.timedelta64(day, "D")).astype(str)


@settings(deadline=None, max_examples=150)
@given(register=register, body_place=st.sampled_from(["D1", "D2", "D3", None]),
       body_day=st.one_of(st.none(), days), event_day=st.one_of(st.none(), days),
       open_mass=st.floats(0.0, 0.95), scale=st.floats(1.0, 500.0),
       floor=st.floats(0.0, 1.0), unknown=st.floats(0.0, 2.0))
def test_properties(register: list[tuple[str | None, int | None]], body_place: str | None,
                    body_day: int | None, event_day: int | None, open_mass: float,
                    scale: float, floor: float, unknown: float) -> None:
    model = PlaceModel(scale_km=scale, floor=floor, open_mass=open_mass, unknown_weight=unknown)
    persons = [f"P{j}" for j in range(len(register))]
    prior = PlacePrior(persons, [p for p, _ in register], [iso(d) for _, d in register],
                       coordinates=COORDS, model=model)
    w = prior.weights(body_place, iso(body_day), event_date=iso(event_day))
    p, rest = prior.prior(body_place, iso(body_day), event_date=iso(event_day))
    assert np.all(w >= 0) and np.all(p >= 0) and 0 <= rest <= 1
    assert float(p.sum()) + rest == pytest.approx(1.0)
    # Nobody who disappeared after the body's date (or its event's) has any prior.
    for (_, d), wj, pj in zip(register, w, p):
        for limit in (body_day, event_day):
            if limit is not None and d is not None and d > limit:
                assert wj == 0.0 and pj == 0.0
    # Among people with known places and no exclusion, nearer is never less likely (with
    # no event date, which weighs them by time too).
    if body_place is not None and event_day is None:
        dist = {k: float(distance_km(np.array([COORDS[body_place]]), np.array([COORDS[k]]))[0])
                for k in COORDS}
        live = [(dist[pl], wj) for (pl, _), wj in zip(register, w) if pl is not None and wj > 0]
        for (d1, w1) in live:
            for (d2, w2) in live:
                if d1 < d2:
                    assert w1 >= w2
    if float(w.sum()) > 0:
        assert rest == open_mass
        # The factors against the uniform prior average 1 over the register.
        f = prior.factor(body_place, iso(body_day), event_date=iso(event_day))
        assert float(f.mean()) == pytest.approx(1.0)
    else:
        assert rest == 1.0


def test_the_tiniest_weights_still_sum_to_one() -> None:
    """A subnormal unknown-place weight (5e-324) for the only candidate: its prior is
    1 - pi_0, not lost to underflow (found by hypothesis)."""
    model = PlaceModel(open_mass=0.5, unknown_weight=5e-324)
    prior = PlacePrior(["P0"], [None], [None], coordinates=COORDS, model=model)
    p, rest = prior.prior("D1", None)
    assert float(p.sum()) + rest == pytest.approx(1.0) and p[0] == pytest.approx(0.5)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_persons=st.integers(1, 40),
       n_bodies=st.integers(1, 25), slack=st.sampled_from([0, 30]))
def test_factors_by_places_equal_the_person_by_person_prior(seed: int, n_persons: int,
                                                           n_bodies: int, slack: int) -> None:
    """PlaceFactors sums each body's weights by the persons' places and sorted dates (and
    evaluates the kernel once per pair of places): against PlacePrior.factor of each body,
    person by person, with unrecorded places and dates on both sides and dated events."""
    from forensic_match.evidence.place import PlaceFactors

    rng = np.random.default_rng(seed)
    codes = [*COORDS, None]
    places = [codes[int(i)] for i in rng.integers(0, len(codes), n_persons)]
    dates = [None if rng.random() < 0.2 else f"19{80 + int(rng.integers(0, 10))}-0"
             f"{1 + int(rng.integers(0, 9))}-1{int(rng.integers(0, 9))}" for _ in places]
    prior = PlacePrior([f"M{i}" for i in range(n_persons)], places, dates, coordinates=COORDS,
                       model=PlaceModel(date_slack_days=slack))
    b_places = [codes[int(i)] if rng.random() < 0.8 else (-13.5, -74.1)
                for i in rng.integers(0, len(codes), n_bodies)]
    b_dates = [None if rng.random() < 0.3 else f"198{int(rng.integers(0, 10))}-06-15"
               for _ in range(n_bodies)]
    events = [f"198{int(rng.integers(0, 10))}-03-01" if rng.random() < 0.3 else None
              for _ in range(n_bodies)]
    factors = PlaceFactors(prior, b_places, b_dates, events)
    got = factors.block(np.arange(n_persons))
    for b in range(n_bodies):
        want = prior.factor(b_places[b], b_dates[b], event_date=events[b])
        np.testing.assert_allclose(got[:, b], want, rtol=1e-12, atol=1e-300)
    cols = rng.choice(n_bodies, size=min(3, n_bodies), replace=False)
    np.testing.assert_array_equal(factors.block(np.arange(n_persons), cols), got[:, cols])
    # The search's log10 form: the same factors, -inf where excluded; a person the prior does
    # not know (-1) has factor 1.
    persons = np.concatenate([np.arange(n_persons), [-1]])
    logs = factors.log10_block(persons)
    with np.errstate(divide="ignore"):
        want = np.log10(factors.block(persons))
    assert np.array_equal(np.isneginf(logs), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(logs[finite], want[finite], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(factors.log10_block(persons, cols), logs[:, cols])


def test_read_place_coordinates(tmp_path) -> None:
    """A table of place codes with their coordinates: codes kept as text (leading zeros),
    accepted column names, and errors that name the file and line."""
    from forensic_match.evidence.place import read_place_coordinates

    good = tmp_path / "ubigeo.csv"
    good.write_text("ubigeo,latitude,longitude\n050101,-13.16,-74.22\n050601,-13.80,-74.10\n")
    coords = read_place_coordinates(good)
    assert coords == {"050101": (-13.16, -74.22), "050601": (-13.80, -74.10)}
    prior = PlacePrior(["A", "B"], ["050101", "050601"], [None, None], coordinates=coords)
    assert prior.factor("050101", None)[0] > prior.factor("050101", None)[1]
    cases = {
        "place,lat\nD1,-13\n": "no 'lon' column",
        "place,lat,lon\nD1,-13,-74\nD1,-13,-74\n": "line 3: place 'D1' already given on line 2",
        "place,lat,lon\nD1,-93,-74\n": "line 2: place 'D1': lat '-93' is not a number",
        "place,lat,lon\nD1,-13,west\n": "line 2: place 'D1': lon 'west' is not a number",
        "place,lat,lon\n,-13,-74\n": "line 2: empty place code",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(InputError, match=message) as err:
            read_place_coordinates(bad)
        assert "bad.csv" in str(err.value)


@pytest.mark.parametrize("coordinates, place", [({"D1": (200.0, -74.0)}, "D1"),
                                                ({"D1": (-13.0, -274.0)}, "D1"),
                                                ({}, (95.0, 10.0))])
def test_coordinates_out_of_range_are_refused_as_the_reader_refuses_them(coordinates,
                                                                         place) -> None:
    with pytest.raises(InputError, match=r"latitude in \[-90, 90\]"):
        PlacePrior(["M1"], [place], ["1984-01-01"], coordinates=coordinates)
