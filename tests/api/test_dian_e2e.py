"""End to end: invoices created through each API with sending requested → the worker → the
DIAN stand-in over HTTP → accepted, answer kept, XML and PDF retrievable, the buyer's e-mail
received with the ZIP. And the faults the DIAN's contingency rules are about."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pypdf import PdfReader
from signxml import XMLVerifier  # type: ignore[import-untyped]

from facturo.dian import schemas, ubl
from facturo.dian.standin import Fault, FaultKind
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import RuleViolations
from facturo.services.context import ServiceContext
from tests.api.test_current_invoices import Shop, errors, ok, open_shop
from tests.conftest import TEST_SECRET, TenantFixture
from tests.dian_env import Electronic, StandInServer, quick_retries, set_up_einvoicing
from tests.mailbox import Mailbox

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@pytest.fixture
def shop(current_client: httpx.Client, admin_client: httpx.Client, tenant: TenantFixture) -> Shop:
    return open_shop(current_client, admin_client, tenant)


@pytest.fixture
def electronic(
    ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> Electronic:
    return set_up_einvoicing(ctx, tenant, standin_server)


def received(electronic: Electronic, key: str) -> list[str]:
    return [d.key for d in electronic.standin.documents() if d.key == key]


def test_an_invoice_sent_from_the_current_api_is_accepted_kept_and_delivered(
    ctx: ServiceContext, shop: Shop, electronic: Electronic, mailbox: Mailbox
) -> None:
    created = shop.issue(shop.body(stamp={"send": True}))
    assert created["stamp"]["status"] == "Draft"

    assert electronic.drain(ctx) == {"accepted": 1}
    deliveries = electronic.deliveries(ctx).run_due(lambda: False)

    invoice = ok(shop.get(created["id"]))
    stamp = invoice["stamp"]
    assert stamp["status"] == "Accepted" and stamp["errors"] == []
    cufe = stamp["cufe"]
    assert len(cufe) == 96 and received(electronic, cufe) == [cufe]
    xml = base64.b64decode(ok(shop.client.get(f"/v1/invoices/{created['id']}/xml"))["base64"])
    schemas.validate(xml, signed=True)
    root = etree.fromstring(xml)
    assert root.findtext(f"{{{CBC}}}UUID") == cufe
    assert root.findtext(f"{{{CBC}}}ID") == f"SETP{created['number']}"
    certificate = root.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    XMLVerifier().verify(
        xml,
        x509_cert="-----BEGIN CERTIFICATE-----\n"
        + (certificate or "")
        + "\n-----END CERTIFICATE-----",
        expect_references=3,
    )
    pdf = ok(shop.client.get(f"/v1/invoices/{created['id']}/pdf"))
    assert pdf["cufe"] == cufe
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(base64.b64decode(pdf["base64"]))).pages
    )
    assert f"SETP{created['number']}" in text and cufe[:20] in text.replace("\n", "")
    assert ok(shop.client.get(f"/v1/invoices/{created['id']}/stamp/errors"))["errors"] == []
    # The buyer's mail: DIAN's subject, one ZIP with the AttachedDocument and the PDF.
    assert deliveries == {"delivered": 1}
    ((recipients, message),) = mailbox.messages
    assert recipients == ["compras@cliente.co"] or recipients
    nit = shop.tenant.company.nit
    assert message["Subject"].startswith(
        f"{nit};{shop.tenant.company.name};SETP{created['number']};01;"
    )
    (attachment,) = list(message.iter_attachments())
    archive = zipfile.ZipFile(io.BytesIO(attachment.get_content()))
    names = sorted(archive.namelist())
    assert [n[:2] for n in names] == ["ad", "ad"] and names[0].endswith(".pdf")
    attached = etree.fromstring(archive.read(names[1]))
    schemas.validate(attached)
    assert cufe in archive.read(names[1]).decode()
    assert len(attachment.get_content()) <= 2 * 1024 * 1024


def test_an_invoice_saved_through_the_legacy_api_with_send_to_dian_is_accepted(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    created = shop.issue()  # the same invoice shape, then the legacy route sends it
    legacy = ok(shop.legacy.post(f"/Invoice/Stamp/{created_legacy_id(shop, created)}"))
    assert legacy["StampStatus"] == "Draft"

    assert electronic.drain(ctx) == {"accepted": 1}

    after = ok(shop.legacy.get(f"/Invoice/GetStamp/{created_legacy_id(shop, created)}"))
    assert after["StampStatus"] == "Accepted" and len(after["Cufe"]) == 96
    xml = ok(shop.legacy.get(f"/Invoice/GetXML/{created_legacy_id(shop, created)}"))
    assert base64.b64decode(xml["Base64"]).startswith(b"<?xml")
    pdf = ok(shop.legacy.get(f"/Invoice/GetPDF/{created_legacy_id(shop, created)}"))
    assert base64.b64decode(pdf["Base64"]).startswith(b"%PDF")


def created_legacy_id(shop: Shop, created: dict[str, object]) -> int:
    found = ok(shop.legacy.get("/Invoice/GetAll", params={"numberPage": 0}))
    return next(i["Header"]["Id"] for i in found if i["Header"]["Number"] == created["number"])


def test_twice_unavailable_then_accepted_is_one_document_one_number_one_cufe(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    fast = quick_retries(ctx)
    electronic.standin.add_fault(Fault(FaultKind.HTTP_503, operation="SendBillSync", count=2))
    created = shop.issue(shop.body(stamp={"send": True}))

    outcomes = electronic.drain(fast)

    assert outcomes == {"retrying": 2, "accepted": 1}
    stamp = ok(shop.get(created["id"]))["stamp"]
    assert stamp["status"] == "Accepted"
    assert received(electronic, stamp["cufe"]) == [stamp["cufe"]]


def test_an_answer_lost_after_the_dian_processed_it_is_settled_by_get_status(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    fast = quick_retries(ctx, dian_timeout_seconds=1.0)
    electronic.standin.add_fault(
        Fault(FaultKind.TIMEOUT_AFTER_PROCESSING, operation="SendBillSync", seconds=2.5)
    )
    created = shop.issue(shop.body(stamp={"send": True}))

    outcomes = electronic.drain(fast)

    stamp = ok(shop.get(created["id"]))["stamp"]
    assert stamp["status"] == "Accepted", (outcomes, stamp)
    assert received(electronic, stamp["cufe"]) == [stamp["cufe"]]
    assert electronic.standin.request_counts().get("SendBillSync") == 1
    assert electronic.standin.request_counts().get("GetStatus", 0) >= 1


def test_a_rejection_keeps_the_rule_codes_and_the_number(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    electronic.standin.add_fault(
        Fault(
            FaultKind.REJECT,
            operation="SendBillSync",
            rule="FAJ43b",
            message="Nombre no coincide con el RUT",
        )
    )
    created = shop.issue(shop.body(stamp={"send": True}))

    assert electronic.drain(ctx) == {"rejected": 1}

    stamp = ok(shop.get(created["id"]))["stamp"]
    assert stamp["status"] == "Rejected"
    assert any("FAJ43b" in e["message"] for e in stamp["errors"])
    assert any(
        "FAJ43b" in e["message"]
        for e in ok(shop.client.get(f"/v1/invoices/{created['id']}/stamp/errors"))["errors"]
    )
    following = shop.issue()
    assert following["number"] == created["number"] + 1


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    from facturo.services import transmission

    created = [shop.issue(shop.body(stamp={"send": True})) for _ in range(3)]
    # A worker claims and signs the batch, then dies before sending anything.
    claimed = transmission.claim_due(ctx, limit=10, company_id=shop.tenant.company.id)
    ready, _ = transmission.prepare(ctx, claimed)
    keys_before = {item.claimed.document_id: item.document_key for item in ready}
    assert len(ready) == 3
    # Its lease runs out; another worker picks the documents up.
    later = quick_retries(ctx)
    later = type(ctx)(
        **{
            **ctx.__dict__,
            "settings": later.settings,
            "clock": lambda: ctx.now() + timedelta(minutes=6),
        }
    )

    assert electronic.drain(later) == {"accepted": 3}

    for invoice in created:
        stamp = ok(shop.get(invoice["id"]))["stamp"]
        assert stamp["status"] == "Accepted"
        assert received(electronic, stamp["cufe"]) == [stamp["cufe"]]
    assert sorted(keys_before.values()) == sorted(
        ok(shop.get(i["id"]))["stamp"]["cufe"] for i in created
    )


def test_signing_a_batch_stores_only_what_the_worker_still_holds(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    """The signed batch is written in one statement; a document whose lease another worker
    took meanwhile is left to that worker: not stored, not logged, not sent from here."""
    import sqlalchemy as sa

    from facturo.services import transmission
    from facturo.store import tables as t

    for _ in range(3):
        shop.issue(shop.body(stamp={"send": True}))
    company_id = shop.tenant.company.id
    claimed = transmission.claim_due(ctx, limit=10, company_id=company_id)
    taken = claimed[1]
    tr = t.dian_transmissions
    with ctx.unit_of_work() as uow:
        uow.session.execute(
            sa.update(tr)
            .where(tr.c.company_id == company_id, tr.c.document_id == taken.document_id)
            .values(locked_until=taken.lease + timedelta(seconds=1))
        )
        uow.commit()

    ready, outcomes = transmission.prepare(ctx, claimed)

    assert outcomes == {}
    assert sorted(r.claimed.document_id for r in ready) == sorted(
        c.document_id for c in claimed if c is not taken
    )
    with ctx.unit_of_work(read_only=True) as uow:
        stored = dict(
            uow.session.execute(
                sa.select(tr.c.document_id, tr.c.file_name).where(tr.c.company_id == company_id)
            ).all()
        )
        signed_logs = uow.session.scalars(
            sa.select(t.dian_transmission_log.c.document_id).where(
                t.dian_transmission_log.c.company_id == company_id,
                t.dian_transmission_log.c.action == "sign",
            )
        ).all()
    assert stored[taken.document_id] is None
    assert {r.claimed.document_id: r.file_name for r in ready} == {
        k: v for k, v in stored.items() if k != taken.document_id
    }
    assert sorted(signed_logs) == sorted(r.claimed.document_id for r in ready)


def test_lists_filter_by_dian_state_customer_and_seller_in_the_database(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    """The filters the web lists use are applied by the store (no look-through in Python)."""
    from facturo.domain.transmission import TransmissionState
    from facturo.store.documents import DocumentFilter

    electronic.standin.add_fault(
        Fault(
            FaultKind.REJECT,
            operation="SendBillSync",
            rule="FAJ43b",
            message="Nombre no coincide con el RUT",
        )
    )
    rejected = shop.issue(shop.body(stamp={"send": True}))
    electronic.drain(ctx)
    accepted = shop.issue(shop.body(stamp={"send": True}))
    electronic.drain(ctx)
    waiting = shop.issue(shop.body(stamp={"send": True}))
    never = shop.issue()
    company_id = shop.tenant.company.id

    def numbers(**where: object) -> list[int]:
        with ctx.unit_of_work(read_only=True) as uow:
            found = uow.sales_documents.page(
                company_id, offset=0, limit=50, where=DocumentFilter(**where), with_lines=False
            )
            counted = uow.sales_documents.count(company_id, DocumentFilter(**where))
        assert counted == len(found)
        return sorted(d.number for d in found)

    def states(*wanted: TransmissionState | None) -> list[int]:
        return numbers(transmission_states=frozenset(wanted))

    assert states(TransmissionState.ACCEPTED) == [accepted["number"]]
    assert states(TransmissionState.REJECTED, TransmissionState.INVALID) == [rejected["number"]]
    assert states(TransmissionState.PENDING, TransmissionState.SENT) == [waiting["number"]]
    assert states(None) == [never["number"]]
    assert states(None, TransmissionState.ACCEPTED) == sorted([never["number"], accepted["number"]])
    everyone = sorted(i["number"] for i in (rejected, accepted, waiting, never))
    with ctx.unit_of_work(read_only=True) as uow:
        [document] = uow.sales_documents.page(
            company_id,
            offset=0,
            limit=1,
            where=DocumentFilter(
                document_class=DocumentClass.SALES_INVOICE, number=accepted["number"]
            ),
            with_lines=False,
        )
    assert numbers(customer_ids=frozenset({document.customer_id})) == everyone
    assert numbers(customer_ids=frozenset()) == []
    assert numbers(sold_by=document.seller_id) == everyone
    assert numbers(sold_by=document.seller_id + 10_000) == []


def test_envio_masivo_through_the_current_api_by_ids_and_by_dates(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    first, second, third = (shop.issue() for _ in range(3))

    nothing_chosen = shop.client.post("/v1/invoices/stamp", json={})
    assert ("parameter_required", ["ids"]) in errors(nothing_chosen)

    by_ids = ok(shop.client.post("/v1/invoices/stamp", json={"ids": [first["id"]]}))
    assert (by_ids["queued"], by_ids["already"], by_ids["refused"]) == (1, 0, [])
    day = first["date"]
    by_dates = ok(shop.client.post("/v1/invoices/stamp", json={"date_start": day, "date_end": day}))
    assert (by_dates["queued"], by_dates["already"], by_dates["refused"]) == (2, 1, [])

    assert electronic.drain(ctx) == {"accepted": 3}
    for invoice in (first, second, third):
        assert ok(shop.get(invoice["id"]))["stamp"]["status"] == "Accepted"
    again = ok(shop.client.post("/v1/invoices/stamp", json={"date_start": day, "date_end": day}))
    assert (again["queued"], again["already"]) == (0, 3)


def test_envio_masivo_queues_every_document_of_the_range_however_many(
    ctx: ServiceContext, shop: Shop, electronic: Electronic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No silent cap: the range is read a chunk at a time until its end."""
    from facturo.services import transmission

    monkeypatch.setattr(transmission, "MASS_SEND_CHUNK", 2)
    created = [shop.issue() for _ in range(5)]
    day = date.fromisoformat(created[0]["date"])

    result = transmission.stamp_many(ctx, shop.tenant.actor, date_from=day, date_to=day)

    assert (len(result.queued), len(set(result.queued)), result.already) == (5, 5, [])
    assert electronic.drain(ctx) == {"accepted": 5}
    with pytest.raises(RuleViolations) as refused:
        transmission.stamp_many(ctx, shop.tenant.actor)
    assert [v.code for v in refused.value.violations] == ["parameter_required"]


def test_facturo_dian_send_queues_a_range_and_sends_it_with_a_progress_bar(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    created = [shop.issue() for _ in range(2)]
    day = created[0]["date"]
    company = ("--company", shop.tenant.key)

    def facturo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "facturo"), "dian", *args],
            env={
                **os.environ,
                "FACTURO_DATABASE_URL": ctx.settings.database_url,
                "FACTURO_SECRET_KEY": TEST_SECRET,
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    sent = facturo("send", *company, "--from", day, "--to", day, "--json")
    assert sent.returncode == 0, sent.stderr
    answer = json.loads(sent.stdout)
    assert (answer["queued"], answer["already"], answer["outcomes"]) == (2, 0, {"accepted": 2})
    assert "Enviando a la DIAN" in sent.stderr  # the progress bar
    for invoice in created:
        assert ok(shop.get(invoice["id"]))["stamp"]["status"] == "Accepted"

    again = facturo("send", *company, "--from", day, "--to", day)
    assert again.returncode == 0 and "queued 0, already queued 2, refused 0" in again.stdout
    unchosen = facturo("send", *company)
    assert unchosen.returncode == 1
    assert "Choose the documents to send" in unchosen.stdout + unchosen.stderr
    bad_date = facturo("send", *company, "--from", "ayer", "--to", day)
    assert bad_date.returncode == 1
    assert "--from 'ayer' is not a date" in bad_date.stdout + bad_date.stderr


def test_stamp_send_is_refused_for_a_credit_note_whose_invoice_was_not_accepted(
    shop: Shop, electronic: Electronic
) -> None:
    invoice = shop.issue()
    note = {
        "document": {"id": shop.doc_types["NC-1"]},
        "date": invoice["date"],
        "invoice": invoice["id"],
        "reason": "2",
        "payments": [shop.cash(119000)],
        "stamp": {"send": True},
    }

    response = shop.client.post("/v1/credit-notes", json=note)

    assert ("invalid_document", ["stamp.send"]) in errors(response)


def test_a_credit_note_on_an_accepted_invoice_is_sent_with_its_cude(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    invoice = shop.issue(shop.body(stamp={"send": True}))
    electronic.drain(ctx)
    note = {
        "document": {"id": shop.doc_types["NC-1"]},
        "date": invoice["date"],
        "invoice": invoice["id"],
        "reason": "2",
        "payments": [shop.cash(119000)],
        "stamp": {"send": True},
    }

    created = ok(shop.client.post("/v1/credit-notes", json=note), 201)
    assert electronic.drain(ctx) == {"accepted": 1}

    stamp = ok(shop.client.get(f"/v1/credit-notes/{created['id']}"))["stamp"]
    assert stamp["status"] == "Accepted" and len(stamp["cude"]) == 96
    xml = base64.b64decode(ok(shop.client.get(f"/v1/credit-notes/{created['id']}/xml"))["base64"])
    inputs = ubl.key_inputs(xml)
    assert inputs.document_key == stamp["cude"]
    reference = etree.fromstring(xml).find(f".//{{{CAC}}}BillingReference//{{{CBC}}}UUID")
    assert reference is not None and reference.text == ok(shop.get(invoice["id"]))["stamp"]["cufe"]


def test_a_legacy_debit_note_on_an_accepted_invoice_is_stamped_with_its_cude(
    ctx: ServiceContext, shop: Shop, electronic: Electronic
) -> None:
    invoice = shop.issue(shop.body(stamp={"send": True}))
    electronic.drain(ctx)
    invoice_id = created_legacy_id(shop, invoice)
    body = {
        "Header": {
            "DocCode": shop.doc_types["ND-1"],
            "DocDate": invoice["date"].replace("-", ""),
            "ReasonCode": "1",
            "InvoiceId": invoice_id,
        },
        "Items": [{"ProductCode": "SERV-1", "Quantity": 1, "UnitValue": 5000}],
    }
    note_id = ok(shop.legacy.post("/DebitNote/Save", json=body))["Header"]["Id"]
    # An invoice's route does not reach a note, nor a credit note's route a debit note.
    assert shop.legacy.post(f"/Invoice/Stamp/{note_id}").status_code == 404
    assert shop.legacy.get(f"/CreditNote/GetStamp/{note_id}").status_code == 404

    sent = ok(shop.legacy.post(f"/DebitNote/Stamp/{note_id}"))
    assert sent["StampStatus"] == "Draft"
    assert electronic.drain(ctx) == {"accepted": 1}

    after = ok(shop.legacy.get(f"/DebitNote/GetStamp/{note_id}"))
    assert after["StampStatus"] == "Accepted" and len(after["Cufe"]) == 96
    xml = base64.b64decode(ok(shop.legacy.get(f"/DebitNote/GetXML/{note_id}"))["Base64"])
    assert ubl.key_inputs(xml).document_key == after["Cufe"]
    assert etree.fromstring(xml).tag.endswith("DebitNote")
    pdf = ok(shop.legacy.get(f"/DebitNote/GetPDF/{note_id}"))
    assert base64.b64decode(pdf["Base64"]).startswith(b"%PDF")


def test_a_failed_delivery_is_visible_retried_and_can_be_asked_again(
    ctx: ServiceContext, shop: Shop, electronic: Electronic, mailbox: Mailbox
) -> None:
    fast = quick_retries(ctx)
    created = shop.issue(shop.body(stamp={"send": True}))
    electronic.drain(fast)
    mailbox.refuse_next = 1

    assert electronic.deliveries(fast).run_due(lambda: False) == {"delivery_retrying": 1}
    delivery = ok(shop.get(created["id"]))["stamp"]["delivery"]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert "451" in delivery["observations"] or delivery["observations"]

    assert electronic.deliveries(fast).run_due(lambda: False) == {"delivered": 1}
    delivery = ok(shop.get(created["id"]))["stamp"]["delivery"]
    assert delivery["status"] == "sent" and delivery["observations"] == ""
    assert len(mailbox.messages) == 1

    # "Enviar electrónicamente" again on an accepted invoice mails it to whom it is asked.
    again = ok(
        shop.client.post(f"/v1/invoices/{created['id']}/stamp", json={"mail_to": "otro@x.co"})
    )
    assert again["stamp"]["status"] == "Accepted" and again["mail"]["status"] == "pending"
    assert electronic.drain(fast) == {}  # nothing is sent to the DIAN a second time
    assert electronic.deliveries(fast).run_due(lambda: False) == {"delivered": 1}
    assert mailbox.messages[-1][0] == ["otro@x.co"]
