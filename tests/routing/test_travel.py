"""The embedded travel model: straight line × detour ÷ speed, with towns slower than the
countryside when the region's urban areas are given."""

import pytest

from hemma.routing import travel
from hemma.routing.travel import UrbanArea, parse_urban_areas

FALUN_CENTRE = (60.6065, 15.6355)
FALUN = UrbanArea(60.6065, 15.6355, 4.0)
BORLANGE = UrbanArea(60.4858, 15.4371, 4.0)
# ~2.2 km apart, both inside Falun
IN_TOWN = (60.6065, 15.6355), (60.6065, 15.6755)
# the same distance in the forest north of Falun
IN_THE_FOREST = (60.9065, 15.6355), (60.9065, 15.6555 + 0.0200)


def test_without_towns_one_average_speed():
    km = travel.great_circle_km(*IN_TOWN) * 1.3
    assert travel.travel_minutes(*IN_TOWN) == round(km / 50 * 60)
    assert travel.travel_minutes(*IN_TOWN, mode="bike") == round(km / 15 * 60)
    assert travel.travel_minutes(FALUN_CENTRE, FALUN_CENTRE) == 0


def test_a_trip_in_town_is_slower_than_the_same_distance_in_the_countryside():
    towns = (FALUN, BORLANGE)
    assert travel.urban_share(*IN_TOWN, towns) == 1.0
    assert travel.urban_share(*IN_THE_FOREST, towns) == 0.0
    in_town = travel.travel_minutes(*IN_TOWN, urban_areas=towns)
    in_forest = travel.travel_minutes(*IN_THE_FOREST, urban_areas=towns)
    km = travel.great_circle_km(*IN_TOWN) * 1.3
    assert in_town == round(km / 30 * 60)
    assert in_forest < in_town


def test_a_trip_between_towns_is_rural_in_the_middle():
    towns = (FALUN, BORLANGE)
    a, b = (FALUN.latitude, FALUN.longitude), (BORLANGE.latitude, BORLANGE.longitude)
    share = travel.urban_share(a, b, towns)
    km = travel.great_circle_km(a, b)  # ~17 km, 4 km of town at each end
    assert share == pytest.approx(8 / km, abs=0.1)
    minutes = travel.travel_minutes(a, b, urban_areas=towns)
    road = km * 1.3
    expected = road * share / 30 * 60 + road * (1 - share) / 70 * 60
    assert minutes == round(expected)


def test_the_matrix_uses_the_towns():
    keys = list(IN_TOWN)
    plain = travel.matrix(keys)
    urban = travel.matrix(keys, urban_areas=(FALUN,))
    assert urban[keys[0]][keys[1]] > plain[keys[0]][keys[1]]


def test_urban_areas_are_read_from_settings_text():
    assert parse_urban_areas("") == ()
    assert parse_urban_areas(" 60.6065,15.6355,4 ; 60.4858,15.4371,4.5;") == (
        FALUN,
        UrbanArea(60.4858, 15.4371, 4.5),
    )
    with pytest.raises(ValueError, match="urban area 2"):
        parse_urban_areas("60.6,15.6,4;60.4,15.4")
    with pytest.raises(ValueError, match="out of range"):
        parse_urban_areas("160.6,15.6,4")
    with pytest.raises(ValueError, match="out of range"):
        parse_urban_areas("60.6,15.6,0")
