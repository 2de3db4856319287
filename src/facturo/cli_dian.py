"""``facturo dian``: electronic invoicing with the DIAN, from the operator's side.

- ``setup`` / ``show``: the company's environment, software and fiscal data. ``setup`` changes
  only what it is given, so ``facturo dian setup --company x --environment produccion``
  switches the environment and keeps the rest. The software PIN is never printed.
- ``certificate request | upload | state | show | list``: the signing certificate and the
  tracking of its request (domain/certificates.py has the states and their changes).
- ``numbering``: GetNumberingRange merged into the company's sales-invoice ranges.
- ``test-set``: the habilitación test set (SendTestSetAsync + GetStatusZip) and its report.

``facturo.cli`` mounts this app as ``facturo dian``; its helpers are imported inside the
commands, because ``facturo.cli`` imports this module.
"""

from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from facturo.domain.calendar import colombian_date

dian_app = typer.Typer(
    help="Electronic invoicing with the DIAN: setup, signing certificate.", no_args_is_help=True
)
certificate_app = typer.Typer(
    help="The company's signing certificate (certificado digital propio): request, upload, "
    "tracking.",
    no_args_is_help=True,
)
dian_app.add_typer(certificate_app, name="certificate")

# The same options as facturo.cli's (which cannot be imported here at load time).
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
CompanyKey = Annotated[str, typer.Option("--company", help="The company key.")]
CertificateId = Annotated[
    int | None,
    typer.Option("--id", help="The certificate record (default: the company's newest)."),
]

KEEP_DIAN_ENDPOINT = "dian"  # --endpoint dian: back to the DIAN's URL for the environment


# --- setup -------------------------------------------------------------------------------------


def _settings_json(settings: Any) -> dict[str, Any]:
    from facturo.domain.einvoicing import INVOICE_RESPONSIBILITIES

    return {
        "company": {
            "nit": settings.company_nit,
            "check_digit": settings.company_check_digit,
            "name": settings.company_name,
        },
        "environment": settings.environment,
        "environment_name": settings.environment_name,
        "endpoint_url": settings.endpoint_url,
        "endpoint": settings.endpoint,
        "software_id": settings.software_id,
        "software_pin_set": bool(settings.sealed_software_pin),
        "test_set_id": settings.test_set_id,
        "provider_nit": settings.provider_nit,
        "provider_check_digit": settings.provider_check_digit,
        "provider_code": settings.provider_code,
        "software_propio": settings.software_propio,
        "legal_name": settings.legal_name,
        "commercial_name": settings.commercial_name,
        "person_type": settings.person_type,
        "responsibilities": [
            {"code": code, "name": INVOICE_RESPONSIBILITIES.get(code, "")}
            for code in settings.responsibilities
        ],
        "tax_scheme": settings.tax_scheme,
        "municipality_code": settings.municipality_code,
        "municipality_name": settings.municipality_name,
        "department_code": settings.department_code,
        "department_name": settings.department_name,
        "address_line": settings.address_line,
        "postal_code": settings.postal_code,
        "phone": settings.phone,
        "email": settings.email,
        "deliver_to_buyer": settings.deliver_to_buyer,
        "updated_at": settings.updated_at,
    }


def _settings_text(settings: Any) -> str:
    from facturo.domain.einvoicing import PERSON_TYPES

    provider = (
        "software propio"
        if settings.software_propio
        else f"proveedor NIT {settings.provider_nit}-{settings.provider_check_digit}"
    )
    lines = [
        f"Facturación electrónica de {settings.legal_name} "
        f"(NIT {settings.company_nit}-{settings.company_check_digit})",
        f"  ambiente: {settings.environment_name} ({settings.environment})",
        f"  servicio: {settings.endpoint}" + ("" if settings.endpoint_url else " (el de la DIAN)"),
        f"  software: {settings.software_id}  PIN: "
        + ("configurado" if settings.sealed_software_pin else "sin configurar"),
        f"  {provider}, código {settings.provider_code}",
        f"  set de pruebas: {settings.test_set_id or '-'}",
        f"  tipo de persona: {PERSON_TYPES.get(settings.person_type, settings.person_type)}",
        f"  nombre comercial: {settings.commercial_name or '-'}",
        f"  responsabilidades: {', '.join(settings.responsibilities)}",
        f"  tributo: {settings.tax_scheme} ({settings.tax_scheme_name})",
        f"  dirección: {settings.address_line}, {settings.municipality_name} "
        f"({settings.municipality_code}), {settings.department_name}"
        + (f", código postal {settings.postal_code}" if settings.postal_code else ""),
        f"  correo: {settings.email}  teléfono: {settings.phone or '-'}",
        "  envío al comprador: " + ("sí" if settings.deliver_to_buyer else "no"),
    ]
    return "\n".join(lines)


@dian_app.command("setup")
def setup(
    company: CompanyKey,
    environment: Annotated[
        str | None, typer.Option(help="habilitacion (2, the default) or produccion (1).")
    ] = None,
    software_id: Annotated[
        str | None, typer.Option(help="The software's identifier in the DIAN portal (GUID).")
    ] = None,
    pin: Annotated[
        str | None, typer.Option(help="The software PIN registered in the DIAN portal.")
    ] = None,
    test_set_id: Annotated[
        str | None, typer.Option(help="The habilitación test set's identifier (GUID).")
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            help="The web service URL (e.g. a local stand-in); 'dian' for the DIAN's own."
        ),
    ] = None,
    provider_nit: Annotated[
        str | None,
        typer.Option(help="The technology provider's NIT (default: the company's own)."),
    ] = None,
    provider_code: Annotated[
        str | None, typer.Option(help="The provider code of file names (000: software propio).")
    ] = None,
    legal_name: Annotated[
        str | None, typer.Option(help="Razón social as in the RUT (default: the company's name).")
    ] = None,
    commercial_name: Annotated[str | None, typer.Option(help="Nombre comercial.")] = None,
    person_type: Annotated[str | None, typer.Option(help="juridica (1) or natural (2).")] = None,
    responsibility: Annotated[
        list[str] | None,
        typer.Option(
            "--responsibility",
            help="A fiscal responsibility (O-13, O-15, O-23, O-47, R-99-PN); repeat for more.",
        ),
    ] = None,
    tax_scheme: Annotated[str | None, typer.Option(help="01 (IVA) or ZZ (No aplica).")] = None,
    municipality: Annotated[
        str | None, typer.Option(help="The DIVIPOLA municipality code (5 digits, 11001 Bogotá).")
    ] = None,
    address: Annotated[str | None, typer.Option(help="The address as in the RUT.")] = None,
    postal_code: Annotated[str | None, typer.Option(help="The postal code (6 digits).")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone.")] = None,
    email: Annotated[
        str | None,
        typer.Option(help="The e-mail the DIAN and buyers answer to (required)."),
    ] = None,
    deliver_to_buyer: Annotated[
        bool | None,
        typer.Option(
            "--deliver-to-buyer/--no-deliver-to-buyer",
            help="E-mail accepted documents to the buyer (default: yes).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set up electronic invoicing, or change what is given (the rest stays)."""
    from facturo import cli as base
    from facturo.domain.einvoicing import EInvoicingSettingsData
    from facturo.services import einvoicing

    with base._reporting(as_json):
        ctx = base._context()
        actor = base._operator(ctx, company)
        current = einvoicing.find(ctx, actor)
        data = current.data() if current is not None else EInvoicingSettingsData()
        given: dict[str, Any] = {
            "environment": environment,
            "software_id": software_id,
            "software_pin": pin,
            "test_set_id": test_set_id,
            "provider_nit": provider_nit,
            "provider_code": provider_code,
            "legal_name": legal_name,
            "commercial_name": commercial_name,
            "person_type": person_type,
            "responsibilities": tuple(responsibility) if responsibility else None,
            "tax_scheme": tax_scheme,
            "municipality_code": municipality,
            "address_line": address,
            "postal_code": postal_code,
            "phone": phone,
            "email": email,
            "deliver_to_buyer": deliver_to_buyer,
        }
        if endpoint is not None:
            given["endpoint_url"] = (
                "" if endpoint.strip().lower() == KEEP_DIAN_ENDPOINT else endpoint
            )
        known = {f.name for f in fields(EInvoicingSettingsData)}
        data = replace(data, **{k: v for k, v in given.items() if v is not None and k in known})
        settings = einvoicing.update(ctx, actor, data)
        _emit_settings(base, as_json, settings, "configurada")


@dian_app.command("show")
def show(company: CompanyKey, as_json: JsonFlag = False) -> None:
    """The company's electronic-invoicing setup (never the PIN)."""
    from facturo import cli as base
    from facturo.services import einvoicing

    with base._reporting(as_json):
        ctx = base._context()
        settings = einvoicing.get(ctx, base._operator(ctx, company))
        _emit_settings(base, as_json, settings, None)


def _emit_settings(base: Any, as_json: bool, settings: Any, done: str | None) -> None:
    text = _settings_text(settings)
    if done:
        text = f"facturación electrónica {done}\n{text}"
    base._emit(as_json, _settings_json(settings), text)


# --- certificate -------------------------------------------------------------------------------


def _day(moment: Any) -> str:
    return colombian_date(moment).isoformat() if moment is not None else "-"


def _certificate_json(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state.value,
        "state_name": record.state.label,
        "observations": record.observations,
        "has_certificate": record.has_pkcs12,
        "subject": record.subject,
        "issuer": record.issuer,
        "serial_number": record.serial_number,
        "not_before": record.not_before,
        "not_after": record.not_after,
        "fingerprint": record.fingerprint,
        "next_states": [s.value for s in record.next_states()],
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _notice_json(notice: Any) -> dict[str, Any]:
    return {
        "kind": notice.kind.value,
        "certificate_id": notice.certificate_id,
        "message": notice.message,
    }


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "observations": event.observations,
        "user_id": event.user_id,
        "at": event.at,
    }


def _certificate_line(record: Any) -> str:
    validity = f"{_day(record.not_before)} → {_day(record.not_after)}" if record.not_after else "-"
    return f"{record.id}\t{record.state.label}\t{validity}\t{record.subject or '-'}"


def _certificate_text(record: Any, history: Any = (), notices: Any = ()) -> str:
    lines = [
        f"Certificado {record.id}: {record.state.label}",
        f"  sujeto: {record.subject or '-'}",
        f"  emisor: {record.issuer or '-'}",
        f"  serial: {record.serial_number or '-'}",
        f"  inicio: {_day(record.not_before)}  vencimiento: {_day(record.not_after)}",
        f"  huella SHA-256: {record.fingerprint or '-'}",
        f"  observaciones: {record.observations or '-'}",
        "  puede pasar a: " + (", ".join(s.label for s in record.next_states()) or "nada (final)"),
    ]
    if notices:
        lines.append("Avisos:")
        lines += [f"  - {n.message}" for n in notices]
    if history:
        lines.append("Historial:")
        for event in history:
            who = "operador o sistema" if event.user_id is None else f"usuario {event.user_id}"
            source = event.from_state.label if event.from_state else "nuevo"
            note = f"  ({event.observations})" if event.observations else ""
            lines.append(
                f"  {event.at.astimezone(colombian_tz()):%Y-%m-%d %H:%M}  {source} → "
                f"{event.to_state.label}  [{who}]{note}"
            )
    return "\n".join(lines)


def colombian_tz() -> Any:
    from facturo.domain.calendar import COLOMBIA

    return COLOMBIA


def _newest_id(ctx: Any, actor: Any) -> int:
    from facturo.domain.errors import NotFound
    from facturo.services import certificates

    found = certificates.get_all(ctx, actor).certificates
    if not found:
        raise NotFound("certificate", "(the company has none: facturo dian certificate request)")
    newest = found[-1].id
    assert newest is not None
    return newest


@certificate_app.command("request")
def certificate_request(
    company: CompanyKey,
    observations: Annotated[
        str | None, typer.Option(help="Notes on the request (authority, ticket …).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a new certificate request (En trámite)."""
    from facturo import cli as base
    from facturo.services import certificates

    with base._reporting(as_json):
        ctx = base._context()
        record = certificates.create(ctx, base._operator(ctx, company), observations)
        base._emit(
            as_json,
            _certificate_json(record),
            f"solicitud de certificado {record.id} registrada: {record.state.label}",
        )


@certificate_app.command("upload")
def certificate_upload(
    company: CompanyKey,
    file: Annotated[
        Path, typer.Option("--file", help="The certificate: a .p12 or .pfx file.", dir_okay=False)
    ],
    password: Annotated[
        str | None, typer.Option(help="The file's password (prefer --password-stdin).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    certificate_id: Annotated[
        int | None,
        typer.Option(
            "--id",
            help="The record to complete (default: the company's Aceptado request, if any; "
            "otherwise a new record).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Upload the signing certificate; every problem it has is reported at once."""
    from facturo import cli as base
    from facturo.domain.certificates import CertificateState
    from facturo.services import certificates

    with base._reporting(as_json):
        if password_stdin:
            secret = sys.stdin.readline().rstrip("\r\n")
        elif password is not None:
            secret = password
        else:
            secret = typer.prompt("Contraseña del certificado", hide_input=True, default="")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise base.CommandFailed(f"cannot read {file}: {error.strerror}") from error
        ctx = base._context()
        actor = base._operator(ctx, company)
        target = certificate_id
        if target is None:
            accepted = [
                r
                for r in certificates.get_all(ctx, actor).certificates
                if r.state is CertificateState.ACEPTADO
            ]
            target = accepted[-1].id if accepted else None
        record = certificates.upload(ctx, actor, target, content, secret)
        base._emit(
            as_json,
            _certificate_json(record),
            lambda: (
                f"certificado {record.id} cargado: {record.state.label}\n"
                + _certificate_text(record)
            ),
        )


@certificate_app.command("state")
def certificate_state(
    company: CompanyKey,
    to: Annotated[
        str,
        typer.Option(
            "--to", help="en_tramite, aceptado, rechazado or vencido (Completado: upload)."
        ),
    ],
    observations: Annotated[
        str | None,
        typer.Option(help="Why (required for rechazado and vencido)."),
    ] = None,
    certificate_id: CertificateId = None,
    as_json: JsonFlag = False,
) -> None:
    """Change the state of a certificate record."""
    from facturo import cli as base
    from facturo.services import certificates

    with base._reporting(as_json):
        ctx = base._context()
        actor = base._operator(ctx, company)
        target = certificate_id if certificate_id is not None else _newest_id(ctx, actor)
        record = certificates.change_state(ctx, actor, target, to, observations)
        base._emit(
            as_json,
            _certificate_json(record),
            f"certificado {record.id}: {record.state.label}",
        )


@certificate_app.command("show")
def certificate_show(
    company: CompanyKey, certificate_id: CertificateId = None, as_json: JsonFlag = False
) -> None:
    """A certificate record: subject, issuer, serial, validity, state, notices, history."""
    from facturo import cli as base
    from facturo.services import certificates

    with base._reporting(as_json):
        ctx = base._context()
        actor = base._operator(ctx, company)
        target = certificate_id if certificate_id is not None else _newest_id(ctx, actor)
        found = certificates.get(ctx, actor, target)
        base._emit(
            as_json,
            {
                **_certificate_json(found.certificate),
                "history": [_event_json(e) for e in found.history],
                "notices": [_notice_json(n) for n in found.notices],
            },
            lambda: _certificate_text(found.certificate, found.history, found.notices),
        )


@certificate_app.command("list")
def certificate_list(company: CompanyKey, as_json: JsonFlag = False) -> None:
    """The company's certificate records, newest first, and its notices."""
    from facturo import cli as base
    from facturo.services import certificates

    with base._reporting(as_json):
        ctx = base._context()
        found = certificates.get_all(ctx, base._operator(ctx, company))
        newest_first = list(reversed(found.certificates))

        def text() -> str:
            lines = [_certificate_line(r) for r in newest_first] or ["no certificates"]
            lines += [f"aviso: {n.message}" for n in found.notices]
            return "\n".join(lines)

        base._emit(
            as_json,
            {
                "certificates": [_certificate_json(r) for r in newest_first],
                "notices": [_notice_json(n) for n in found.notices],
            },
            text,
        )


# --- transmission (standin, send, test-set, numbering) ----------------------------------------
# The lead's commands go below this line, on ``dian_app``.


@dian_app.command("standin")
def standin(
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8089,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    register: Annotated[
        list[str] | None,
        typer.Option(
            "--register",
            help="A software the stand-in knows: NIT:SOFTWARE_ID:PIN[:TEST_SET_ID] (repeatable).",
        ),
    ] = None,
) -> None:
    """Runs a local stand-in for the DIAN web service (habilitación range SETP built in).
    Point a company at it with `facturo dian setup --endpoint http://HOST:PORT/WcfDianCustomerServices.svc`."""
    from facturo.dian.standin import SoftwareRegistration, StandIn, serve

    registrations = []
    for text in register or []:
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise typer.BadParameter(
                "use NIT:SOFTWARE_ID:PIN[:TEST_SET_ID]", param_hint="--register"
            )
        registrations.append(
            SoftwareRegistration(
                nit=parts[0],
                software_id=parts[1],
                pin=parts[2],
                test_set_id=parts[3] if len(parts) == 4 else None,
            )
        )
    typer.echo(f"DIAN stand-in on http://{host}:{port}/WcfDianCustomerServices.svc")
    serve(host, port, StandIn(software=registrations))


@dian_app.command("send")
def send(
    company: CompanyKey,
    document: Annotated[
        list[int] | None, typer.Option("--id", help="A document's numeric id (repeatable).")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First date (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (YYYY-MM-DD).")] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Send now and show progress.")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Envío masivo: queues the documents (by id, or dated in a range) for the DIAN and, with
    --wait, sends them now with a progress bar."""
    from datetime import date

    from facturo import cli as base
    from facturo.services import transmission
    from facturo.worker.dian import DianTransmissions

    with base._reporting(as_json):
        days: list[date | None] = []
        for option, text in (("--from", date_from), ("--to", date_to)):
            try:
                days.append(date.fromisoformat(text) if text else None)
            except ValueError:
                raise base.CommandFailed(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
        ctx = base._context()
        actor = base._operator(ctx, company)
        result = transmission.stamp_many(
            ctx, actor, document_ids=document, date_from=days[0], date_to=days[1]
        )
        outcomes: dict[str, int] = {}
        if wait and result.queued:
            job = DianTransmissions(ctx, company_id=actor.company_id)
            total = len(result.queued)
            with typer.progressbar(
                length=total, label="Enviando a la DIAN", file=sys.stderr
            ) as bar:
                while True:
                    done = job.run_due(lambda: False)
                    if not done:
                        break
                    for name, count in done.items():
                        outcomes[name] = outcomes.get(name, 0) + count
                    bar.update(sum(done.values()))
        refused = {
            str(document_id): [v.message for v in violations]
            for document_id, violations in result.refused.items()
        }
        base._emit(
            as_json,
            {
                "queued": len(result.queued),
                "already": len(result.already),
                "refused": refused,
                "outcomes": outcomes,
            },
            lambda: "\n".join(
                [
                    f"queued {len(result.queued)}, already queued {len(result.already)}, "
                    f"refused {len(refused)}",
                    *(f"  {key}: {'; '.join(msgs)}" for key, msgs in refused.items()),
                    *(f"{name}: {count}" for name, count in sorted(outcomes.items())),
                ]
            ),
        )


# --- numbering ranges from the DIAN -----------------------------------------------------------

_OUTCOME_NAMES = {
    "added": "agregado",
    "updated": "actualizado",
    "unchanged": "sin cambios",
    "skipped": "omitido",
}


def _range_json(numbering: Any) -> dict[str, Any]:
    return {
        "id": numbering.id,
        "document_type_id": numbering.document_type_id,
        "prefix": numbering.prefix,
        "first_number": numbering.first_number,
        "last_number": numbering.last_number,
        "next_number": numbering.next_number,
        "valid_from": numbering.valid_from,
        "valid_to": numbering.valid_to,
        "resolution_number": numbering.resolution_number,
        "resolution_date": numbering.resolution_date,
        "technical_key": numbering.technical_key,
        "active": numbering.active,
    }


def _numbering_json(result: Any) -> dict[str, Any]:
    from facturo.domain.numbering import MergeOutcome

    return {
        "operation_code": result.operation_code,
        "description": result.description,
        "document_type": {
            "id": result.document_type.id,
            "code": result.document_type.code,
            "name": result.document_type.name,
        },
        **{outcome.value: len(result.with_outcome(outcome)) for outcome in MergeOutcome},
        "changes": [
            {
                "outcome": entry.outcome.value,
                "prefix": entry.authorized.prefix,
                "from": entry.authorized.first_number,
                "to": entry.authorized.last_number,
                "resolution_number": entry.authorized.resolution_number,
                "range_id": entry.numbering.id if entry.numbering is not None else None,
                "changed": entry.changed,
                "notes": entry.notes,
            }
            for entry in result.entries
        ],
        "deactivated": [numbering.id for numbering in result.deactivated],
        "ranges": [_range_json(numbering) for numbering in result.ranges],
    }


def _range_line(numbering: Any) -> str:
    key = numbering.technical_key or ""
    return (
        f"{numbering.id}\t{numbering.prefix}{numbering.first_number}-{numbering.prefix}"
        f"{numbering.last_number}\tsiguiente {numbering.next_number}\t"
        f"resolución {numbering.resolution_number or '-'}\t"
        f"{numbering.valid_from or '-'} → {numbering.valid_to or '-'}\t"
        f"clave técnica {key[:8] + '…' if key else '-'}\t"
        + ("activo" if numbering.active else "inactivo")
    )


def _numbering_text(result: Any) -> str:
    lines = [f"DIAN: {result.description or '-'} ({result.operation_code})"]
    for entry in result.entries:
        authorized = entry.authorized
        detail = f" ({', '.join(entry.changed)})" if entry.changed else ""
        lines.append(
            f"  {_OUTCOME_NAMES[entry.outcome.value]}: {authorized.label} resolución "
            f"{authorized.resolution_number}{detail}"
        )
        lines += [f"    nota: {note}" for note in entry.notes]
    for numbering in result.deactivated:
        lines.append(
            f"  desactivado: {numbering.prefix}{numbering.first_number} (id {numbering.id})"
        )
    lines.append(
        f"Rangos de factura de venta (los nuevos van a FV-{result.document_type.code}, "
        f"{result.document_type.name}):"
    )
    lines += [f"  {_range_line(numbering)}" for numbering in result.ranges]
    return "\n".join(lines)


@dian_app.command("numbering")
def numbering(
    company: CompanyKey,
    document_type_id: Annotated[
        int | None,
        typer.Option(
            "--document-type-id",
            help="The sales-invoice document type new ranges belong to (default: the first "
            "active electronic one).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """GetNumberingRange: the ranges the DIAN authorizes to the company's software, with their
    technical keys, merged into its sales-invoice numbering ranges."""
    from facturo import cli as base
    from facturo.services import dian_numbering

    with base._reporting(as_json):
        ctx = base._context()
        result = dian_numbering.fetch(
            ctx, base._operator(ctx, company), document_type_id=document_type_id
        )
        base._emit(as_json, _numbering_json(result), lambda: _numbering_text(result))


# --- the habilitación test set --------------------------------------------------------------

_KIND_NAMES = {"invoice": "factura", "credit_note": "nota crédito", "debit_note": "nota débito"}
_STATE_NAMES = {"running": "en curso", "finished": "terminado", "failed": "fallido"}


def _run_json(run: Any, now: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "test_set_id": run.test_set_id,
        "state": run.state.value,
        "interrupted": run.stale(now),
        "composition": {
            "invoices": run.composition.invoices,
            "credit_notes": run.composition.credit_notes,
            "debit_notes": run.composition.debit_notes,
        },
        "total": run.total,
        "sent": run.sent,
        "accepted": run.accepted,
        "rejected": run.rejected,
        "invalid": run.invalid,
        "pending": run.pending,
        "zip_keys": run.zip_keys,
        "error": run.error,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def _test_set_json(found: Any, now: Any) -> dict[str, Any]:
    payload = {
        "run": _run_json(found.run, now),
        "documents": [
            {
                "id": d.document_id,
                "kind": d.kind.value,
                "number": d.number,
                "document_key": d.document_key,
                "status": d.status,
                "status_code": d.status_code,
                "rule_codes": list(d.rule_codes),
                "messages": list(d.messages),
            }
            for d in found.documents
        ],
    }
    if not found.run.passed:
        payload["error"] = _test_set_problem(found.run, now)
    return payload


def _test_set_problem(run: Any, now: Any) -> str:
    if run.stale(now):
        return "the run was interrupted"
    if run.state.value == "running":
        return "the run is still running"
    if run.error:
        return str(run.error)
    return f"{run.rejected} rejected, {run.invalid} invalid"


def _test_set_text(found: Any, now: Any) -> str:
    run = found.run
    state = "interrumpido" if run.stale(now) else _STATE_NAMES[run.state.value]
    lines = [
        f"Set de pruebas {run.id} (TestSetId {run.test_set_id}): {state}",
        f"  {run.accepted} aceptados, {run.rejected} rechazados, {run.invalid} inválidos, "
        f"{run.pending} sin respuesta de {run.total} "
        f"({run.composition.invoices} facturas, {run.composition.credit_notes} notas crédito, "
        f"{run.composition.debit_notes} notas débito)",
    ]
    if run.zip_keys:
        lines.append(f"  ZipKey: {', '.join(run.zip_keys)}")
    for d in found.documents:
        key = d.document_key or "-"
        lines.append(f"  {d.number}\t{_KIND_NAMES[d.kind.value]}\t{d.status}\t{key}")
        lines += [f"      {message}" for message in d.messages]
    if run.error:
        lines.append(f"error: {run.error}")
    return "\n".join(lines)


@dian_app.command("test-set")
def send_test_set(
    company: CompanyKey,
    invoices: Annotated[int, typer.Option(help="Invoices in the set (the portal says).")] = 30,
    credit_notes: Annotated[int, typer.Option(help="Credit notes in the set.")] = 10,
    debit_notes: Annotated[int, typer.Option(help="Debit notes in the set.")] = 10,
    poll_seconds: Annotated[
        float, typer.Option(help="Seconds between GetStatusZip questions.", min=0)
    ] = 5.0,
    max_wait: Annotated[
        float,
        typer.Option(help="Seconds to wait for the DIAN's verdicts, per phase.", min=0),
    ] = 600.0,
    last: Annotated[
        bool, typer.Option("--last", help="Show the newest run's report; send nothing.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Habilitación: issues the test set's invoices and notes, sends them with
    SendTestSetAsync, follows GetStatusZip to the end and prints each document's verdict.
    Exits with status 1 unless every document was accepted."""
    from facturo import cli as base
    from facturo.domain.habilitacion import Composition
    from facturo.services import habilitacion

    with base._reporting(as_json):
        ctx = base._context()
        actor = base._operator(ctx, company)
        if last:
            found = habilitacion.report(ctx, actor)
        else:
            composition = Composition(invoices, credit_notes, debit_notes)
            run = habilitacion.start(ctx, actor, composition, max_wait_seconds=max_wait)
            if as_json:
                found = habilitacion.execute(
                    ctx, actor, run, poll_seconds=poll_seconds, max_wait_seconds=max_wait
                )
            else:
                typer.echo(
                    f"Set de pruebas {run.id}: {composition.invoices} facturas, "
                    f"{composition.credit_notes} notas crédito, "
                    f"{composition.debit_notes} notas débito",
                    err=True,
                )
                with typer.progressbar(
                    length=composition.total, label="Emitiendo", file=sys.stderr
                ) as bar:
                    settled = 0
                    labels = {
                        "issuing": "Emitiendo",
                        "sending": "Enviando",
                        "waiting": "Validando en la DIAN",
                        "done": "Terminado",
                    }

                    def show(step: Any) -> None:
                        nonlocal settled
                        bar.label = labels.get(step.phase, step.phase)
                        now_settled = step.run.accepted + step.run.rejected + step.run.invalid
                        bar.update(now_settled - settled)
                        settled = now_settled

                    found = habilitacion.execute(
                        ctx,
                        actor,
                        run,
                        progress=show,
                        poll_seconds=poll_seconds,
                        max_wait_seconds=max_wait,
                    )
        now = ctx.now()
        base._emit(as_json, _test_set_json(found, now), lambda: _test_set_text(found, now))
    if not found.run.passed:
        raise typer.Exit(code=1)
