"""The contract sentence splitter: evidence quotes are sentences, so a wrong split quotes half a
clause (or two clauses) to the reviewer."""

from __future__ import annotations

from pipeline.nlp import analyse, get_nlp, split_sentences
from pipeline.document import Document, Page


def sentences(text: str) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_company_suffixes_and_abbreviations_do_not_end_a_sentence() -> None:
    text = ("This Agreement is made by Acme Corp. and Beta Holdings, Inc. under U.S. law, as set out in "
            "Sec. 4.2 and Schedule No. 3. Each party shall comply.")
    assert sentences(text) == [
        "This Agreement is made by Acme Corp. and Beta Holdings, Inc. under U.S. law, as set out in "
        "Sec. 4.2 and Schedule No. 3.",
        "Each party shall comply.",
    ]


def test_numbered_clauses_and_list_items_start_new_units() -> None:
    text = "1.1 Provision of Services.\n(a) Provider shall provide the Services\n(b) Recipient shall pay the fees."
    assert sentences(text) == ["1.1 Provision of Services.", "(a) Provider shall provide the Services",
                               "(b) Recipient shall pay the fees."]


def test_a_heading_line_is_not_glued_to_the_first_sentence_under_it() -> None:
    text = "SERVICES AGREEMENT\nThis Services Agreement is entered into on October 1, 2019.\nRECITALS\nA. Recipient wishes."
    assert sentences(text) == ["SERVICES AGREEMENT", "This Services Agreement is entered into on October 1, 2019.",
                               "RECITALS", "A. Recipient wishes."]


def test_an_all_capitals_clause_over_several_lines_stays_one_sentence() -> None:
    text = "IN NO EVENT SHALL EITHER PARTY BE LIABLE\nFOR ANY INDIRECT OR CONSEQUENTIAL DAMAGES. Nothing else applies."
    assert sentences(text)[0] == "IN NO EVENT SHALL EITHER PARTY BE LIABLE\nFOR ANY INDIRECT OR CONSEQUENTIAL DAMAGES."


def test_a_sentence_ending_in_a_lettered_exhibit_is_not_glued_to_the_next() -> None:
    text = ("The form of notice is attached as Exhibit D. Tenant shall exercise the option by written notice. "
            "Signed for Acme by J. Smith, Director.")
    assert sentences(text) == ["The form of notice is attached as Exhibit D.",
                               "Tenant shall exercise the option by written notice.",
                               "Signed for Acme by J. Smith, Director."]


def test_a_cross_reference_wrapped_onto_a_new_line_does_not_cut_the_sentence() -> None:
    capitals = ("15.1 EXCEPT FOR BREACH OF SECTION 9 OR\nSECTION 10, IN NO EVENT SHALL EITHER PARTY'S LIABILITY "
                "EXCEED THE FEES PAID.")
    wrapped = "Supplier may terminate the licence granted pursuant to\nSection 4.4 upon notice. Fees are due."
    headings = "ARTICLE 4\nSECTION 4.1 Payment Terms\nSECTION 4.2 Invoices. Invoices are due monthly."

    assert sentences(capitals) == [capitals]
    assert sentences(wrapped)[0] == "Supplier may terminate the licence granted pursuant to\nSection 4.4 upon notice."
    assert sentences(headings) == ["ARTICLE 4", "SECTION 4.1 Payment Terms", "SECTION 4.2 Invoices.",
                                   "Invoices are due monthly."]


def test_a_numbered_heading_without_a_full_stop_is_a_unit_of_its_own() -> None:
    text = ("14.1 Indemnification of Supplier\nCustomer shall indemnify Supplier against third-party claims.\n"
            "14.2 The Supplier shall deliver the goods to\nCustomer at its site.")
    assert sentences(text) == ["14.1 Indemnification of Supplier",
                               "Customer shall indemnify Supplier against third-party claims.",
                               "14.2 The Supplier shall deliver the goods to\nCustomer at its site."]


def test_lower_case_after_a_period_continues_the_sentence() -> None:
    text = "Payment is due within 30 days, i.e. net 30, after receipt of invoice. Late sums bear interest."
    assert len(sentences(text)) == 2


def test_spacy_doc_sentences_agree_with_the_splitter() -> None:
    text = "Supplier shall deliver the Goods. Customer shall pay Acme Inc. within thirty (30) days."
    doc = Document(path="t", sha256="0", format="txt", text=text, pages=[Page(1, 0, len(text))])
    analysis = analyse(document=doc)
    assert [s.text for s in analysis.doc.sents] == sentences(text)
    assert get_nlp() is get_nlp()  # built once per process
