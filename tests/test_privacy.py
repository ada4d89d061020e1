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


# --- End to end: a seeded return through extraction, mapping, screening and publication -----------------

SEEDED_ROWS = [
    ("Year", "Rank", "Nature of allegation", "Outcome"),
    ("2012", "PC", "PC 1234 Smith posted racist comments on Facebook", "Dismissed"),
    ("2013", "Sergeant", "Sent messages to Mrs Patel, 14 Acacia Avenue, Leeds LS1 4AB", "Final written warning"),
    ("2013", "Police Staff", "Inappropriate comments made via Twitter", "Written warning (contact 07700 900123)"),
]
SEEDED_MATCHES = ["PC 1234 Smith", "Mrs Patel", "14 Acacia Avenue, Leeds LS1 4AB", "07700 900123"]


def test_a_seeded_return_is_published_without_its_personal_data(tmp_path):
    import openpyxl

    from pipeline.extract import extract_file
    from pipeline.guard import guarded_extract
    from pipeline.normalise import normalise_rows
    from pipeline.publish import publish
    from pipeline.records import FORCE_COLUMNS
    from pipeline.vocabulary import load_vocabulary

    raw = tmp_path / "raw" / "west-mercia"
    raw.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    workbook.active.title = "2014"
    for cells in SEEDED_ROWS:
        workbook.active.append(list(cells))
    workbook.save(raw / "response.xlsx")

    extraction = guarded_extract(raw / "response.xlsx", "west-mercia", "west-mercia/response.xlsx", None,
                                 extract_file)
    cases = normalise_rows(extraction.rows, load_vocabulary(tmp_path / "review.yaml"))
    screened, hits = screen_cases(cases)
    forces = pd.DataFrame([{**{column: "" for column in FORCE_COLUMNS}, "force_id": "west-mercia",
                            "force_name": "West Mercia Police", "response_status": "responded", "cases": 3,
                            "rows_read": 3, "rows_published": 3, "rows_quarantined": 0}])
    published = publish(screened, forces, tmp_path / "published")

    assert [(h["kind"], h["match"], h["source_locator"]) for h in hits] == [
        ("officer_name", "PC 1234 Smith", "'2014'!A2:D2"),
        ("person_name", "Mrs Patel", "'2014'!A3:D3"),
        ("address", "14 Acacia Avenue, Leeds LS1 4AB", "'2014'!A3:D3"),
        ("phone", "07700 900123", "'2014'!A4:D4"),
    ]
    assert screened["breach_category"].tolist() == cases["breach_category"].tolist()
    published_text = ""
    for path in published:
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            published_text += " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                                       for v in row)
            book.close()
        elif path.suffix == ".parquet":
            published_text += pd.read_parquet(path).to_csv()
        else:
            published_text += path.read_text(encoding="utf-8")
    assert WITHHELD in published_text
    assert [match for match in SEEDED_MATCHES if match in published_text] == []
