"""Notices: the ways a notice may validly be given, when each counts as received, and each
party's notice address (attention line, postal address, email), quoted from the notice clause."""

from __future__ import annotations

import re

from extractors import notices
from extractors.base import Context
from pipeline.ingest.txt import read_txt
from pipeline.nlp import analyse
from pipeline.record import DocumentInfo, Record, Status


def read(text: str) -> Context:
    document = read_txt("contract.txt", text.encode("utf-8"), "0" * 64)
    record = Record(pactwatch_version="test", status=Status.OK,
                    document=DocumentInfo(path="contract.txt", sha256="0" * 64, format="txt", pages=1))
    return Context(document, analyse(document), record)


def extract(text: str):
    ctx = read(text)
    notices.extract(ctx)
    return ctx.record.notices


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


MSA_NOTICES = """19. NOTICES
19.1 All notices under this Agreement shall be in writing and shall be delivered (a) personally, (b) by
nationally recognized overnight courier, (c) by certified or registered mail, return receipt requested, postage
prepaid, or (d) by email.
19.2 Notices shall be deemed received (i) when delivered, if delivered personally; (ii) one (1) Business Day
after deposit with a nationally recognized overnight courier; (iii) three (3) Business Days after mailing by
certified or registered mail; and (iv) if sent by email, on the date sent if sent before 5:00 p.m. on a Business
Day, and otherwise on the next Business Day.
19.3 Notices shall be addressed as follows, or to such other address as a Party may designate by notice:
If to Provider:
Halvorsen Data Services, Inc.
400 Meridian Plaza, Suite 1200
Hoboken, New Jersey 07030
Attention: General Counsel
Facsimile: (201) 555-0144
Email: legal@halvorsen.example.com
With a copy (which shall not constitute notice) to:
Baker & Lowe LLP
1299 Pennsylvania Avenue, NW
Washington, D.C. 20004
Email: counsel@bakerlowe.example.com
If to Customer:
Northwind Freight Holdings, Inc.
210 Hudson Commons, 14th Floor
New York, New York 10013
Attention: Chief Information Officer, with a copy to the General Counsel
Email: contracts@northwindfreight.example.com
20. GENERAL
20.1 Independent Contractors. The Parties are independent contractors.
"""


def test_methods_are_listed_in_the_order_the_clause_gives_them():
    n = extract(MSA_NOTICES)

    assert n.methods.value == ["hand delivery", "courier", "certified mail", "registered mail", "email"]
    assert fold(n.methods.evidence[0].text).startswith("19.1 All notices under this Agreement shall be in writing")


def test_fax_number_in_an_address_block_is_not_a_way_of_giving_notice():
    assert "fax" not in extract(MSA_NOTICES).methods.value


def test_deemed_receipt_is_given_per_method():
    n = extract(MSA_NOTICES)

    assert n.deemed_received.value == (
        "hand delivery: on delivery; courier: 1 business day after deposit; "
        "certified mail/registered mail: 3 business days after mailing; email: on sending or next business day"
    )
    assert "deemed received" in n.deemed_received.evidence[0].text


def test_each_party_address_block_is_read_without_the_counsel_copy():
    n = extract(MSA_NOTICES)

    by_party = {a.party: a for a in n.addresses}
    assert set(by_party) == {"Provider", "Customer"}
    provider = by_party["Provider"]
    assert provider.attention == "General Counsel"
    assert provider.address == "400 Meridian Plaza, Suite 1200, Hoboken, New Jersey 07030"
    assert provider.email == "legal@halvorsen.example.com"  # not counsel's address below it
    customer = by_party["Customer"]
    assert customer.attention == "Chief Information Officer"
    assert customer.email == "contracts@northwindfreight.example.com"
    assert "If to Customer:" in customer.evidence[0].text


def test_inline_address_lines_after_a_role_name():
    n = extract(
        "11. NOTICES\n\n"
        "11.1 Notices shall be in writing and shall be given by personal delivery, by overnight courier or by email "
        "to the addresses below. Notices are deemed received upon personal delivery, one (1) business day after "
        "deposit with an overnight courier, or upon sending if sent by email on a business day.\n\n"
        "Company: Verdant Loop Energy, Inc., 2250 Mission Bay Drive, San Francisco, California 94158, Attention: "
        "General Counsel; email: legal@verdantloop.example.com\n\n"
        "Consultant: Alder & Finch Advisory LLC, 88 Laurel Canyon Court, Oakland, California 94611, Attention: "
        "Helena Alder, Managing Member; email: helena@alderfinch.example.com\n\n"
        "12. GENERAL\n"
    )

    assert n.methods.value == ["hand delivery", "courier", "email"]
    assert n.deemed_received.value == (
        "hand delivery: on delivery; courier: 1 business day after deposit; email: on sending")
    assert [(a.party, a.address, a.email) for a in n.addresses] == [
        ("Company", "2250 Mission Bay Drive, San Francisco, California 94158", "legal@verdantloop.example.com"),
        ("Consultant", "88 Laurel Canyon Court, Oakland, California 94611", "helena@alderfinch.example.com"),
    ]


def test_email_the_contract_refuses_as_notice_is_not_a_method():
    n = extract(
        "13. NOTICES\n"
        "13.1 All notices under this Agreement must be in writing and delivered by hand, by nationally recognized "
        "overnight courier, or by certified mail, return receipt requested, to the address of the receiving Party "
        "set out below. Email may be used for routine operational communications but is not sufficient for any "
        "notice of breach, termination or claim.\n"
    )

    assert n.methods.value == ["hand delivery", "courier", "certified mail"]


def test_a_copy_by_email_is_not_a_method():
    n = extract(
        "13.1 Notices. All notices shall be in writing and shall be delivered by certified mail, return receipt "
        "requested, or by a nationally recognized overnight courier, to the addresses set forth in the preamble, "
        "with a copy by email to legal@quarrystone.example.com. An email copy shall not itself constitute notice.\n"
    )

    assert n.methods.value == ["certified mail", "courier"]


def test_uk_post_and_hand_delivery_rules():
    n = extract(
        "16. NOTICES\n\n"
        "16.1 Any notice given to a party under or in connection with this agreement shall be in writing and shall "
        "be delivered by hand or by pre-paid first-class post or other next working day delivery service at its "
        "registered office, or sent by email to the address specified below.\n\n"
        "16.2 Any notice shall be deemed to have been received: if delivered by hand, at the time the notice is left "
        "at the proper address; if sent by pre-paid first-class post or other next working day delivery service, at "
        "9.00 am on the second Business Day after posting; or, if sent by email, at the time of transmission.\n"
    )

    assert n.methods.value == ["hand delivery", "first-class post", "next working day delivery", "email"]
    assert n.deemed_received.value == (
        "hand delivery: when left at the address; "
        "first-class post/next working day delivery: 2nd business day after posting; email: on transmission")


def test_notice_of_termination_is_not_the_notice_clause():
    n = extract(
        "12.3 Termination for Convenience. Customer may terminate this Agreement upon sixty (60) days' prior written "
        "notice to Provider.\n"
    )

    assert n.methods is None and n.deemed_received is None and n.addresses == []


def test_sample_contracts_notices(sample_outcomes, expected):
    checked = 0
    for slug, exp in expected.items():
        got = sample_outcomes[slug].record.notices
        want = exp.get("notices", {})
        if want.get("methods", {}).get("value"):
            assert got.methods is not None and got.methods.value == want["methods"]["value"], slug
            checked += 1
        emails = {a.party: a.email for a in got.addresses}
        for address in want.get("addresses", []):
            if address.get("party") in emails:
                assert emails[address["party"]] == address["email"], slug
                checked += 1
    assert checked >= 18
