"""Personal data released by mistake is withheld before publication and listed for review; the words of the
domain (ranks, "Officer 1", platforms, years, FOI references) are not."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.privacy import PRIVACY_FILE, PersonalDataHit, load_privacy, screen_cases, screen_text

ROOT = Path(__file__).resolve().parents[1]
DEV_PHRASES = Path("/work/shared/phrases/dev.tsv")
WITHHELD = "[withheld: personal data]"


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        ("PC 1234 Smith", "officer_name", "PC 1234 Smith"),
        ("Sergeant John Smith", "officer_name", "Sergeant John Smith"),
        ("DC Jones", "officer_name", "DC Jones"),
        ("complaint about Detective Sergeant Jane Doe's posts", "officer_name", "Detective Sergeant Jane Doe"),
        ("PC J. Smith", "officer_name", "PC J. Smith"),
        ("Insp McDonald", "officer_name", "Insp McDonald"),
        ("Mrs Patel", "person_name", "Mrs Patel"),
        ("messages to Mr. O'Brien", "person_name", "Mr. O'Brien"),
        ("John Smith posted racist comments", "person_name", "John Smith"),
        ("comments about Karen O'Neill on Facebook", "person_name", "Karen O'Neill"),
        ("collar number 4521", "collar_number", "collar number 4521"),
        ("warrant no. 123456", "collar_number", "warrant no. 123456"),
        ("PC 4521 posted", "collar_number", "PC 4521"),
        ("emailed john.smith@example.police.uk", "email", "john.smith@example.police.uk"),
        ("rang 07700 900123 repeatedly", "phone", "07700 900123"),
        ("+44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("(0113) 496 0000", "phone", "(0113) 496 0000"),
        ("DOB 12/03/1985", "date_of_birth", "DOB 12/03/1985"),
        ("born 12 March 1985", "date_of_birth", "born 12 March 1985"),
        ("14 Acacia Avenue, Leeds LS1 4AB", "address", "14 Acacia Avenue, Leeds LS1 4AB"),
        ("lives at 2a Mill Lane", "address", "2a Mill Lane"),
        ("near LS1 4AB", "postcode", "LS1 4AB"),
    ],
)
def test_personal_data_is_found_with_its_kind_and_span(text, kind, match):
    start = text.index(match)
    assert screen_text(text) == [PersonalDataHit(kind, match, (start, start + len(match)))]


@pytest.mark.parametrize(
    "text",
    [
        "PC", "Sergeant", "Inspector or above", "Inspector +", "Officer 1", "Officer 2 - PC", "Police Constable",
        "Police Staff", "PCSO", "Chief Inspector", "Special Constable", "PC / Sergeant", "staff grade 8+",
        "Facebook", "Twitter and Facebook", "2013", "01.FOI.24.035753", "170/14", "Discipline - 170/14",
        "FOI/16295", "7175_16", "S40(2) applies", "31/02/2023", "Date recorded 12/03/2013",
        "between 01/01/12 and 27/06/16", "1x Written warning", "3x Reflective practice requires improvement",
        "police staff in the top pay grade (8+) £31,437 to £62,332",
        "Sergeant posted racist comments on Facebook", "Paul", "James Facebook", "Officer David was spoken to",
    ],
)
def test_the_words_of_the_domain_are_not_personal_data(text):
    assert screen_text(text) == []


def _wordings() -> list[str]:
    pool = yaml.safe_load((ROOT / "pipeline" / "samples" / "wordings.yaml").read_text(encoding="utf-8"))
    return [entry["text"] for entries in pool.values() if isinstance(entries, list) for entry in entries]


def test_no_sample_corpus_wording_is_flagged():
    texts = _wordings()
    assert len(texts) > 100
    assert [(text, screen_text(text)) for text in texts if screen_text(text)] == []


@pytest.mark.skipif(not DEV_PHRASES.exists(), reason="the shared labelled phrases are not on this machine")
def test_no_real_force_wording_in_the_dev_phrases_is_flagged():
    with DEV_PHRASES.open(encoding="utf-8") as handle:
        texts = [row[1] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    assert len(texts) == 134
    assert [(text, screen_text(text)) for text in texts if screen_text(text)] == []


# --- screen_cases: withheld from publication, listed for review ------------------------------------------


def seeded_cases() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"record_id": "west-mercia-0001", "force_id": "west-mercia", "breach_category": "discriminatory",
             "breach_text": "Sergeant John Smith posted racist comments on Facebook", "outcome_text": "Dismissed",
             "outcome_category": "dismissed", "rank_text": "Sergeant", "case_ref": "170/14",
             "source_file": "west-mercia/response.xlsx", "source_locator": "'2014'!A2:E2"},
            {"record_id": "west-mercia-0002", "force_id": "west-mercia", "breach_category": "harassment",
             "breach_text": "Sent messages to Mrs Patel, 14 Acacia Avenue, Leeds LS1 4AB",
             "outcome_text": "Final written warning (collar number 4521)", "outcome_category": "final_written_warning",
             "rank_text": "PC", "case_ref": None,
             "source_file": "west-mercia/response.xlsx", "source_locator": "'2014'!A3:E3"},
            {"record_id": "dorset-0001", "force_id": "dorset", "breach_category": "inappropriate_content",
             "breach_text": "Inappropriate comments made via Twitter", "outcome_text": "Written warning",
             "outcome_category": "written_warning", "rank_text": "Inspector or above", "case_ref": "01.FOI.24.035753",
             "source_file": "dorset/response.pdf", "source_locator": "page 1, table 1, row 1"},
        ]
    )


def test_hits_are_withheld_from_the_text_and_the_codes_kept():
    screened, _ = screen_cases(seeded_cases())
    assert screened["breach_text"].tolist() == [
        f"{WITHHELD} posted racist comments on Facebook",
        f"Sent messages to {WITHHELD}, {WITHHELD}",
        "Inappropriate comments made via Twitter",
    ]
    assert screened["outcome_text"].tolist() == [
        "Dismissed", f"Final written warning ({WITHHELD})", "Written warning"]
    assert screened["breach_category"].tolist() == ["discriminatory", "harassment", "inappropriate_content"]
    assert screened["rank_text"].tolist() == ["Sergeant", "PC", "Inspector or above"]
    assert screened.drop(columns=["breach_text", "outcome_text"]).equals(
        seeded_cases().drop(columns=["breach_text", "outcome_text"]))


def test_every_hit_is_listed_for_review_with_its_source_cell():
    _, hits = screen_cases(seeded_cases())
    assert [(h["record_id"], h["column"], h["kind"], h["match"], h["withheld"]) for h in hits] == [
        ("west-mercia-0001", "breach_text", "officer_name", "Sergeant John Smith", True),
        ("west-mercia-0002", "breach_text", "person_name", "Mrs Patel", True),
        ("west-mercia-0002", "breach_text", "address", "14 Acacia Avenue, Leeds LS1 4AB", True),
        ("west-mercia-0002", "outcome_text", "collar_number", "collar number 4521", True),
    ]
    assert hits[0] == {
        "record_id": "west-mercia-0001", "force_id": "west-mercia", "column": "breach_text",
        "kind": "officer_name", "match": "Sergeant John Smith", "source_file": "west-mercia/response.xlsx",
        "source_locator": "'2014'!A2:E2", "withheld": True,
    }


def test_a_reviewed_record_is_published_as_written_and_still_listed():
    screened, hits = screen_cases(seeded_cases(), publish_reviewed={"west-mercia-0001"})
    assert screened.loc[0, "breach_text"] == "Sergeant John Smith posted racist comments on Facebook"
    assert screened.loc[1, "breach_text"] == f"Sent messages to {WITHHELD}, {WITHHELD}"
    assert [h["withheld"] for h in hits] == [False, True, True, True]


def test_the_config_switch_publishes_every_hit_after_review(tmp_path):
    config = yaml.safe_load(PRIVACY_FILE.read_text(encoding="utf-8"))
    config["publish_after_review"] = True
    (tmp_path / "privacy.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    screened, hits = screen_cases(seeded_cases(), rules=load_privacy(tmp_path / "privacy.yaml"))
    assert screened.equals(seeded_cases())
    assert len(hits) == 4 and not any(h["withheld"] for h in hits)


def test_the_shipped_config_withholds_until_a_person_has_reviewed():
    rules = load_privacy()
    assert (rules.publish_after_review, rules.reviewed_record_ids, rules.withheld_text) == (
        False, frozenset(), WITHHELD)


def test_a_listed_word_that_yaml_reads_as_a_boolean_is_refused(tmp_path):
    config = PRIVACY_FILE.read_text(encoding="utf-8").replace('"No", "Yes"', "No, Yes")
    (tmp_path / "privacy.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ValueError, match=r"every listed word must be a string \(quote it\)"):
        load_privacy(tmp_path / "privacy.yaml")
