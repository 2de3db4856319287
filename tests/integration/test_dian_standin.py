"""The DIAN stand-in on a real loopback port, driven by the real client over HTTP."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import httpx
import pytest
from lxml import etree

from facturo.dian import keys, schemas, soap, ubl, xades
from facturo.dian.errors import SoapFault, TransportError
from facturo.dian.model import ElectronicDocument, NumberingAuthorization
from facturo.dian.standin import (
    BackgroundServer,
    Fault,
    FaultKind,
    SoftwareRegistration,
    StandIn,
)
from tests.dian_pki import demo_certificate
from tests.unit import dian_samples as samples

TEST_SET_ID = "c1a0b1e2-7f3d-4a5b-9c8d-0e1f2a3b4c5d"
PRODUCTION_KEY = "693ff6f2a553c3646a063436fd4dd9ded0311471"
_numbers = itertools.count(990_000_100)


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    stand_in = StandIn(
        software=[
            SoftwareRegistration(
                nit=samples.SUPPLIER_NIT,
                software_id=samples.SOFTWARE_ID,
                pin=samples.SOFTWARE_PIN,
                test_set_id=TEST_SET_ID,
            )
        ]
    )
    yield stand_in
    stand_in.close()


@pytest.fixture(scope="module")
def server(standin: StandIn) -> Iterator[BackgroundServer]:
    with BackgroundServer(standin) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(standin: StandIn) -> None:
    standin.reset()
    standin.async_delay = 0.0


@pytest.fixture
def client(server: BackgroundServer) -> Iterator[soap.DianClient]:
    with soap.DianClient(server.endpoint, demo_certificate(), timeout=10) as dian:
        yield dian


@pytest.fixture
def control(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def _now() -> datetime:
    return datetime.now(keys.BOGOTA).replace(microsecond=0)


def _invoice(**changes: object) -> ElectronicDocument:
    document = samples.sample_invoice(lines=3, number=f"SETP{next(_numbers)}", issued_at=_now())
    return replace(document, **changes)  # type: ignore[arg-type]


def _signed(
    document: ElectronicDocument, *, signing_time: datetime | None = None
) -> tuple[bytes, str]:
    built = ubl.build(document)
    moment = signing_time or document.issued_at
    return xades.sign(built.xml, demo_certificate(), signing_time=moment), built.document_key


def _send(client: soap.DianClient, xml: bytes, number: int = 1) -> soap.DianResponse:
    xml_name = keys.file_name(keys.FileKind.INVOICE, samples.SUPPLIER_NIT, 2026, number)
    zip_name = keys.file_name(keys.FileKind.ZIP, samples.SUPPLIER_NIT, 2026, number)
    return client.send_bill_sync(zip_name, soap.zip_document(xml_name, xml))


def _response_code(application_response: bytes | None) -> str:
    assert application_response is not None
    root = etree.fromstring(application_response)
    return (
        root.findtext(
            f"{{{ubl.CAC}}}DocumentResponse/{{{ubl.CAC}}}Response/{{{ubl.CBC}}}ResponseCode"
        )
        or ""
    )


def _documents(control: httpx.Client) -> list[dict[str, object]]:
    listed = control.get("/_standin/documents")
    assert listed.status_code == 200
    documents = listed.json()
    assert isinstance(documents, list)
    return documents


# --------------------------------------------------------------------------- verdicts


def test_an_invoice_is_accepted_with_a_signed_application_response(
    client: soap.DianClient, control: httpx.Client
) -> None:
    document = _invoice()
    xml, cufe = _signed(document)

    response = _send(client, xml)

    assert response.is_valid, response.error_messages
    assert response.status_code == "00"
    assert response.status_description == "Procesado Correctamente."
    assert (
        response.status_message == f"La Factura electrónica {document.number}, ha sido autorizada."
    )
    assert response.error_messages == ()
    assert response.xml_document_key == cufe
    assert response.xml_file_name == "fv09003730760002600000001"

    application_response = response.application_response
    assert application_response is not None
    schemas.validate(application_response, signed=True)
    signature = xades.verify(application_response)
    assert signature.certificate.subject.rfc4514_string().startswith("CN=DIAN stand-in")
    assert _response_code(application_response) == "02"
    reference = etree.fromstring(application_response).find(
        f"{{{ubl.CAC}}}DocumentResponse/{{{ubl.CAC}}}DocumentReference"
    )
    assert reference is not None
    assert reference.findtext(f"{{{ubl.CBC}}}ID") == document.number
    assert reference.findtext(f"{{{ubl.CBC}}}UUID") == cufe

    status = client.get_status(cufe)
    assert (status.is_valid, status.status_code, status.xml_document_key) == (True, "00", cufe)
    assert status.application_response == application_response
    assert client.get_xml_by_document_key(cufe) == xml

    (recorded,) = _documents(control)
    assert recorded["key"] == cufe
    assert recorded["number"] == document.number
    assert recorded["status"] == "accepted"
    assert recorded["times_received"] == 1


def test_a_repeat_was_processed_before(client: soap.DianClient, control: httpx.Client) -> None:
    xml, cufe = _signed(_invoice())
    first = _send(client, xml)
    assert first.is_valid

    again = _send(client, xml, number=2)

    assert not again.is_valid
    assert again.status_code == "99"
    assert again.error_messages == ("Regla: 90, Rechazo: Documento procesado anteriormente.",)
    assert again.rule_codes == ("90",)
    assert again.xml_document_key == cufe
    assert again.application_response == first.application_response
    # The original stays accepted; the stand-in counts both receptions.
    assert client.get_status(cufe).status_code == "00"
    (recorded,) = _documents(control)
    assert (recorded["status"], recorded["times_received"]) == ("accepted", 2)
    assert control.get("/_standin/requests").json()["SendBillSync"] == 2


def test_a_wrong_cufe_is_rejected_with_fad06(client: soap.DianClient) -> None:
    wrong_key = replace(samples.HABILITACION_RANGE, technical_key="0" * 40)
    xml, cufe = _signed(_invoice(authorization=wrong_key))

    response = _send(client, xml)

    assert not response.is_valid
    assert response.status_code == "99"
    assert response.status_description == "Validación contiene errores en campos mandatorios."
    assert response.status_message == "Documento con errores en campos mandatorios."
    assert response.error_messages == (
        "Regla: FAD06, Rechazo: Valor del CUFE no está calculado correctamente.",
    )
    assert response.xml_document_key == cufe
    assert _response_code(response.application_response) == "04"
    assert xades.verify(response.application_response or b"")
    # A rejected document is known to GetStatus, but the DIAN keeps no XML of it.
    assert client.get_status(cufe).rule_codes == ("FAD06",)
    with pytest.raises(soap.RequestRefused) as refused:
        client.get_xml_by_document_key(cufe)
    assert refused.value.code == "404"


def test_a_note_keyed_with_the_wrong_pin_is_rejected_with_cad06(client: soap.DianClient) -> None:
    note = samples.sample_credit_note(issued_at=_now())
    note = replace(
        note, number=f"NC{next(_numbers)}", software=replace(samples.SOFTWARE, pin="99999")
    )
    xml, _ = _signed(note)

    response = _send(client, xml)

    assert response.rejection_codes == ("CAB27b", "CAD06")


def test_a_document_that_fails_the_schema_is_rejected_with_zb01(client: soap.DianClient) -> None:
    xml, _ = _signed(_invoice())
    broken = xml.replace(
        b"<cbc:UBLVersionID>", b"<cbc:Colour>rojo</cbc:Colour><cbc:UBLVersionID>", 1
    )

    response = _send(client, broken)

    assert not response.is_valid
    assert response.status_code == "99"
    assert response.error_messages == ("Regla: ZB01, Rechazo: Fallo en el esquema XML del archivo",)
    assert "Colour" in response.status_message
    # The DIAN cannot read the key of a document it could not parse.
    assert response.xml_document_key == ""
    assert response.application_response is None


def test_a_tampered_document_is_rejected_with_ze02(client: soap.DianClient) -> None:
    xml, _ = _signed(_invoice())
    tampered = xml.replace(b"Factura de prueba del set", b"Factura alterada del set", 1)
    assert tampered != xml

    response = _send(client, tampered)

    assert response.rejection_codes == ("ZE02",)
    assert response.error_messages[0].startswith(
        "Regla: ZE02, Rechazo: Valor de la firma inválido."
    )


def test_signing_on_another_day_than_the_issue_date_is_rejected(client: soap.DianClient) -> None:
    document = _invoice()
    xml, _ = _signed(document, signing_time=document.issued_at + timedelta(days=1))

    assert _send(client, xml).rejection_codes == ("FAD09e",)


def test_an_unregistered_software_is_rejected(client: soap.DianClient) -> None:
    stranger = replace(samples.SOFTWARE, software_id="00000000-0000-0000-0000-000000000000")
    xml, _ = _signed(_invoice(software=stranger))

    assert _send(client, xml).rejection_codes == ("FAB24a",)


def test_a_number_outside_its_range_is_rejected(client: soap.DianClient) -> None:
    xml, _ = _signed(_invoice(number="SETP980000001"))
    assert _send(client, xml).rejection_codes == ("FAB11b",)

    other_prefix = replace(samples.HABILITACION_RANGE, prefix="ZZTP")
    xml, _ = _signed(_invoice(number="ZZTP990000001", authorization=other_prefix))
    assert _send(client, xml).rejection_codes == ("FAB10a",)


def test_a_forced_rejection(client: soap.DianClient, control: httpx.Client) -> None:
    added = control.post(
        "/_standin/faults",
        json={
            "kind": "reject",
            "rule": "FAJ43b",
            "message": "Nombre informado No corresponde al registrado en el RUT.",
        },
    )
    assert added.status_code == 200
    # A query carries no document: it leaves the rejection for the next one that does.
    assert client.get_status("a" * 96).status_code == "66"
    assert len(control.get("/_standin/faults").json()) == 1
    xml, _ = _signed(_invoice())

    response = _send(client, xml)
    assert response.error_messages == (
        "Regla: FAJ43b, Rechazo: Nombre informado No corresponde al registrado en el RUT.",
    )
    # Used up: the same document, sent again, is now accepted.
    assert _send(client, xml).is_valid


def test_an_unknown_track_id(client: soap.DianClient) -> None:
    response = client.get_status("f" * 96)
    assert (response.is_valid, response.status_code) == (False, "66")
    assert response.status_description == "TrackId no existe en los registros de la DIAN."


# --------------------------------------------------------------------------- batches


def _poll(client: soap.DianClient, zip_key: str, deadline: float = 15) -> list[soap.DianResponse]:
    limit = time.monotonic() + deadline
    while True:
        responses = client.get_status_zip(zip_key)
        if not (len(responses) == 1 and responses[0].is_pending):
            return responses
        assert time.monotonic() < limit, "the batch never finished"
        time.sleep(0.1)


def test_an_async_batch_is_pending_then_answered(
    client: soap.DianClient, control: httpx.Client
) -> None:
    assert control.put("/_standin/settings", json={"async_delay": 0.8}).json() == {
        "async_delay": 0.8
    }
    good, good_key = _signed(_invoice())
    bad, bad_key = _signed(
        _invoice(authorization=replace(samples.HABILITACION_RANGE, technical_key="1" * 40))
    )
    other, other_key = _signed(_invoice())
    package = soap.zip_documents([("fv1.xml", good), ("fv2.xml", bad), ("fv3.xml", other)])

    upload = client.send_bill_async("z1.zip", package)
    assert upload.accepted
    assert upload.error_messages == ()

    (pending,) = client.get_status_zip(upload.zip_key)
    assert pending.is_pending
    assert pending.status_description == "Batch en proceso de validación."

    first, second, third = _poll(client, upload.zip_key)
    assert (first.status_code, first.xml_document_key) == ("00", good_key)
    assert (second.status_code, second.xml_document_key, second.rule_codes) == (
        "99",
        bad_key,
        ("FAD06",),
    )
    assert (third.status_code, third.xml_document_key) == ("00", other_key)
    assert [first.xml_file_name, second.xml_file_name, third.xml_file_name] == ["fv1", "fv2", "fv3"]
    assert client.get_status(other_key).is_valid


def test_the_test_set_needs_a_known_test_set_id(
    client: soap.DianClient, control: httpx.Client
) -> None:
    xml, key = _signed(_invoice())
    package = soap.zip_documents([("fv1.xml", xml)])

    refused = client.send_test_set_async("z1.zip", package, "no-such-test-set")
    assert not refused.accepted
    assert refused.error_messages and "no-such-test-set" in refused.error_messages[0]

    upload = client.send_test_set_async("z1.zip", package, TEST_SET_ID)
    assert upload.accepted
    (verdict,) = _poll(client, upload.zip_key)
    assert (verdict.status_code, verdict.xml_document_key) == ("00", key)
    (recorded,) = _documents(control)
    assert (recorded["test_set_id"], recorded["zip_key"]) == (TEST_SET_ID, upload.zip_key)


def test_an_unknown_zip_key(client: soap.DianClient) -> None:
    (response,) = client.get_status_zip("00000000-0000-0000-0000-000000000000")
    assert response.status_code == "66"


# --------------------------------------------------------------------------- numbering ranges


def test_numbering_ranges_and_their_technical_keys(
    client: soap.DianClient, control: httpx.Client
) -> None:
    registered = control.post(
        "/_standin/registrations",
        json={
            "ranges": [
                {
                    "nit": samples.SUPPLIER_NIT,
                    "prefix": "FEV",
                    "from": 1,
                    "to": 5000,
                    "resolution_number": "18764000001234",
                    "resolution_date": "2026-01-15",
                    "valid_from": "2026-01-15",
                    "valid_to": "2027-01-15",
                    "technical_key": PRODUCTION_KEY,
                }
            ]
        },
    )
    assert registered.status_code == 200

    result = client.get_numbering_range(
        samples.SUPPLIER_NIT, samples.SUPPLIER_NIT, samples.SOFTWARE_ID
    )
    assert result.ok
    assert result.description == "Acción completada OK."
    by_prefix = {numbering.prefix: numbering for numbering in result.ranges}
    assert by_prefix["FEV"] == soap.NumberingRange(
        resolution_number="18764000001234",
        resolution_date=date(2026, 1, 15),
        prefix="FEV",
        from_number=1,
        to_number=5000,
        valid_from=date(2026, 1, 15),
        valid_to=date(2027, 1, 15),
        technical_key=PRODUCTION_KEY,
    )
    assert by_prefix["SETP"].technical_key == keys.HABILITACION_TECHNICAL_KEY

    # An invoice in the registered range is keyed with that range's technical key.
    numbering = by_prefix["FEV"]
    authorization = NumberingAuthorization(
        resolution_number=numbering.resolution_number,
        start_date=date(2026, 1, 15),
        end_date=date(2027, 1, 15),
        prefix="FEV",
        first_number=1,
        last_number=5000,
        technical_key=numbering.technical_key,
    )
    xml, _ = _signed(
        _invoice(number="FEV17", authorization=authorization, corporate_registration_prefix="FEV")
    )
    assert _send(client, xml).is_valid

    unknown_software = client.get_numbering_range(
        samples.SUPPLIER_NIT, samples.SUPPLIER_NIT, "other-software"
    )
    # The NIT has ranges, none for that software (the DIAN's 302).
    assert (unknown_software.operation_code, unknown_software.ranges) == ("302", ())
    unknown_nit = client.get_numbering_range("800000001", "800000001", samples.SOFTWARE_ID)
    assert unknown_nit.operation_code == "401"


# --------------------------------------------------------------------------- faults


def test_maintenance_answers_503_then_recovers(
    client: soap.DianClient, control: httpx.Client
) -> None:
    control.post("/_standin/faults", json={"kind": "http_503", "count": 2})

    for _ in range(2):
        with pytest.raises(TransportError) as raised:
            client.get_status("a" * 96)
        assert isinstance(raised.value, soap.TransportFailure)
        assert (raised.value.kind, raised.value.status_code) == ("http", 503)

    assert client.get_status("a" * 96).status_code == "66"
    assert control.get("/_standin/faults").json() == []
    assert control.get("/_standin/requests").json() == {"GetStatus": 3}


def test_http_500_without_a_fault(client: soap.DianClient, standin: StandIn) -> None:
    standin.add_fault(Fault(FaultKind.HTTP_500, operation="GetStatus"))
    with pytest.raises(soap.TransportFailure) as raised:
        client.get_status("a" * 96)
    assert (raised.value.kind, raised.value.status_code) == ("http", 500)


def test_a_delay_is_observable(client: soap.DianClient, standin: StandIn) -> None:
    standin.add_fault(Fault(FaultKind.DELAY, seconds=0.4))
    started = time.monotonic()
    client.get_status("a" * 96)
    assert time.monotonic() - started >= 0.4


def test_a_timeout_after_processing_leaves_the_document_recorded(
    server: BackgroundServer, control: httpx.Client
) -> None:
    control.post(
        "/_standin/faults",
        json={"kind": "timeout_after_processing", "operation": "SendBillSync", "seconds": 3},
    )
    xml, cufe = _signed(_invoice())
    with soap.DianClient(server.endpoint, demo_certificate(), timeout=1) as impatient:
        with pytest.raises(TransportError) as raised:
            _send(impatient, xml)
        assert isinstance(raised.value, soap.TransportFailure)
        assert raised.value.kind == "timeout"
        assert raised.value.may_have_been_processed

        # What a careful sender does next: ask before sending again.
        status = impatient.get_status(cufe)
    assert (status.is_valid, status.status_code, status.xml_document_key) == (True, "00", cufe)
    (recorded,) = _documents(control)
    assert (recorded["key"], recorded["times_received"]) == (cufe, 1)


def test_a_forged_envelope_gets_an_invalid_security_fault(server: BackgroundServer) -> None:
    envelope = soap.build_envelope(
        soap.Operation.GET_STATUS, (("trackId", "a" * 96),), demo_certificate(), server.endpoint
    )
    forged = envelope.replace(server.endpoint.encode(), b"http://elsewhere.example/", 1)
    headers = {
        "Content-Type": f'application/soap+xml; charset=utf-8; action="{soap.Operation.GET_STATUS.action}"'
    }
    answer = httpx.post(server.endpoint, content=forged, headers=headers, timeout=10)

    assert answer.status_code == 500
    with pytest.raises(SoapFault) as raised:
        soap.read_result(soap.Operation.GET_STATUS, answer.content, answer.status_code)
    assert raised.value.code == "InvalidSecurity"
    assert raised.value.reason == "An error occurred when verifying security for the message."

    stale = soap.build_envelope(
        soap.Operation.GET_STATUS,
        (("trackId", "a" * 96),),
        demo_certificate(),
        server.endpoint,
        now=datetime.now(keys.BOGOTA) - timedelta(hours=1),
    )
    answer = httpx.post(server.endpoint, content=stale, headers=headers, timeout=10)
    assert answer.status_code == 500
    assert b"InvalidSecurity" in answer.content


def test_the_control_api_refuses_nonsense(control: httpx.Client) -> None:
    answer = control.post("/_standin/faults", json={"kind": "explode"})
    assert answer.status_code == 422
    assert control.get("/_standin/faults").json() == []
