import csv
from pathlib import Path

import pytest

from pipeline.forces import UnknownForceError, all_forces, resolve_force, suggest_force_ids

SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "research" / "forces_reference.csv"


def test_there_are_43_forces_with_ons_codes_in_the_published_ranges():
    forces = all_forces()
    assert len(forces) == 43
    english = sorted(f.ons_code for f in forces if f.ons_code.startswith("E"))
    welsh = sorted(f.ons_code for f in forces if f.ons_code.startswith("W"))
    assert english == [f"E23{n:06d}" for n in range(1, 40)]
    assert welsh == [f"W1500000{n}" for n in range(1, 5)]


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="shared research folder not beside the repo")
def test_reference_data_matches_the_published_codes():
    with SHARED_REFERENCE.open(encoding="utf-8") as handle:
        published = {row["police_uk_id"]: (row["force_name"], row["ons_code"]) for row in csv.DictReader(handle)}
    ours = {f.force_id: (f.force_name, f.ons_code) for f in all_forces()}
    assert ours == published


@pytest.mark.parametrize("name, force_id", [
    ("GMP", "greater-manchester"),
    ("Met", "metropolitan"),
    ("MPS", "metropolitan"),
    ("Metropolitan Police Service", "metropolitan"),
    ("Devon & Cornwall", "devon-and-cornwall"),
    ("Devon and Cornwall Police", "devon-and-cornwall"),
    ("Dyfed Powys", "dyfed-powys"),
    ("Dyfed-Powys Police", "dyfed-powys"),
    ("Avon & Somerset Constabulary", "avon-and-somerset"),
    ("avon-and-somerset", "avon-and-somerset"),
    ("E23000016", "west-mercia"),
    ("  west mercia police ", "west-mercia"),
    ("City of London", "city-of-london"),
])
def test_resolver_understands_the_names_people_write(name, force_id):
    assert resolve_force(name).force_id == force_id


def test_unknown_name_is_an_error_that_suggests_the_closest_ids():
    with pytest.raises(UnknownForceError) as caught:
        resolve_force("west-mecia")
    assert "west-mercia" in caught.value.suggestions
    assert "'west-mecia' is not one of the 43 forces" in str(caught.value)


def test_suggestions_for_a_misspelt_folder():
    assert suggest_force_ids("greater-manchster")[0] == "greater-manchester"
