"""Configuración → Habilitaciones DIAN (full-access users): the electronic-invoicing setup
with the sales-invoice numbering ranges and their warnings, "Consultar numeración en la
DIAN" (GetNumberingRange), the habilitación test set with live progress, and "Certificado
digital → Seguimiento" (shared/spec/help-certificate-tracking.txt).

Every change goes through the services (``einvoicing``, ``dian_numbering``,
``habilitacion``, ``certificates``); the software PIN is write-only, the technical keys of
the ranges are never shown. A test set runs in a daemon thread of the server process; its
progress is stored by the service as it goes, so the page follows it from the database
(``/set-de-pruebas/progreso``) whichever process serves the request.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import FormData, UploadFile

from facturo.domain.access import Actor
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, NumberingRange
from facturo.domain.certificates import (
    OBSERVATIONS_REQUIRED,
    CertificateRecord,
    CertificateState,
    Notice,
)
from facturo.domain.einvoicing import (
    ENVIRONMENTS,
    HABILITACION,
    INVOICE_RESPONSIBILITIES,
    PERSON_TYPES,
    SOFTWARE_PROPIO,
    TAX_SCHEMES,
    EInvoicingSettings,
    EInvoicingSettingsData,
)
from facturo.domain.errors import Conflict, NotFound, RuleViolations, Unavailable
from facturo.domain.habilitacion import (
    DEFAULT_COMPOSITION,
    MAX_DOCUMENTS_PER_KIND,
    Composition,
    RunState,
    TestSetRun,
)
from facturo.domain.numbering import MergeOutcome, NumberingWarning
from facturo.domain.validation import MAX_RECORD_ID
from facturo.services import catalogs, certificates, dian_numbering, einvoicing, habilitacion
from facturo.services.certificates import CERTIFICATE_FIELD, MAX_PKCS12_BYTES
from facturo.services.context import ServiceContext
from facturo.web.core import (
    PREFIX,
    Context,
    Form,
    FormState,
    FullSession,
    redirect,
    render,
    templates,
    text,
)
from facturo.web.messages import spanish

log = logging.getLogger("facturo.web")

BASE = "/configuracion/habilitaciones-dian"
router = APIRouter(prefix=BASE)
HOME = PREFIX + BASE
CERTIFICATE_PAGE = HOME + "/certificado"
TEST_SET_PAGE = HOME + "/set-de-pruebas"

# Seconds between GetStatusZip questions of a run started here (tests shorten it).
POLL_SECONDS = habilitacion.POLL_SECONDS
MAX_TEXT = 2000  # longer inputs are cut: every field the domain knows is far shorter
MAX_RESPONSIBILITIES = 20

# --- the setup form --------------------------------------------------------------------------

TEXT_FIELDS = (
    "environment",
    "endpoint_url",
    "software_id",
    "test_set_id",
    "provider_nit",
    "provider_code",
    "legal_name",
    "commercial_name",
    "person_type",
    "tax_scheme",
    "municipality_code",
    "address_line",
    "postal_code",
    "phone",
    "email",
)
SETUP_FIELDS = [*TEXT_FIELDS, "software_pin", "responsibilities", "deliver_to_buyer"]
ENVIRONMENT_OPTIONS = [
    (HABILITACION, f"{ENVIRONMENTS[HABILITACION]} (pruebas)"),
    ("1", ENVIRONMENTS["1"]),
]
PERSON_TYPE_OPTIONS = list(PERSON_TYPES.items())
TAX_SCHEME_OPTIONS = [(code, f"{name} ({code})") for code, name in TAX_SCHEMES.items()]
RESPONSIBILITY_OPTIONS = list(INVOICE_RESPONSIBILITIES.items())


def _clip(value: str) -> str:
    return value[:MAX_TEXT]


def _setup_values(settings: EInvoicingSettings | None) -> dict[str, Any]:
    """What the form shows: the stored setup (never the PIN), or the defaults."""
    data = settings.data() if settings is not None else EInvoicingSettingsData()
    values: dict[str, Any] = {name: getattr(data, name) or "" for name in TEXT_FIELDS}
    if settings is not None:
        values["provider_nit"] = (
            ""
            if settings.software_propio
            else f"{settings.provider_nit}-{settings.provider_check_digit}"
        )
    values["provider_code"] = values["provider_code"] or SOFTWARE_PROPIO
    values["responsibilities"] = list(data.responsibilities)
    values["deliver_to_buyer"] = data.deliver_to_buyer
    return values


def _posted_setup(form: FormData) -> tuple[dict[str, Any], EInvoicingSettingsData]:
    values: dict[str, Any] = {name: _clip(text(form, name)) for name in TEXT_FIELDS}
    chosen = [
        _clip(str(v).strip())
        for v in form.getlist("responsibilities")
        if isinstance(v, str) and v.strip()
    ][:MAX_RESPONSIBILITIES]
    values["responsibilities"] = chosen
    values["deliver_to_buyer"] = form.get("deliver_to_buyer") is not None
    pin = _clip(text(form, "software_pin"))
    data = EInvoicingSettingsData(
        environment=values["environment"] or None,
        endpoint_url=values["endpoint_url"] or None,
        software_id=values["software_id"] or None,
        software_pin=pin or None,  # blank: the stored PIN stays
        test_set_id=values["test_set_id"] or None,
        provider_nit=values["provider_nit"] or None,
        provider_code=values["provider_code"] or None,
        legal_name=values["legal_name"] or None,
        commercial_name=values["commercial_name"] or None,
        person_type=values["person_type"] or None,
        responsibilities=tuple(chosen),
        tax_scheme=values["tax_scheme"] or None,
        municipality_code=values["municipality_code"] or None,
        address_line=values["address_line"] or None,
        postal_code=values["postal_code"] or None,
        phone=values["phone"] or None,
        email=values["email"] or None,
        deliver_to_buyer=values["deliver_to_buyer"],
    )
    return values, data


# --- numbering ranges ------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeRow:
    numbering: NumberingRange
    warnings: list[str]

    @property
    def label(self) -> str:
        n = self.numbering
        return f"{n.prefix}{n.first_number} – {n.prefix}{n.last_number}"

    @property
    def has_technical_key(self) -> bool:
        return bool(self.numbering.technical_key)


@dataclass(frozen=True)
class TypeBlock:
    code: int
    name: str
    electronic: bool
    active: bool
    rows: list[RangeRow]


def _range_label(n: NumberingRange) -> str:
    return f"{n.prefix}{n.first_number}-{n.prefix}{n.last_number}"


def warning_text(warning: NumberingWarning, numbering: NumberingRange, today: date) -> str:
    """A numbering warning (``domain.numbering.warnings``) in Spanish."""
    label = _range_label(numbering)
    size = numbering.last_number - numbering.first_number + 1
    used = numbering.next_number - numbering.first_number
    if warning.code == "numbering_exhausted":
        return f"La numeración {label} se agotó: solicita una nueva resolución a la DIAN."
    if warning.code == "numbering_running_out":
        left = size - used
        word = "queda 1 número" if left == 1 else f"quedan {left:,} números".replace(",", ".")
        return (
            f"La numeración {label} ya usó el {used * 100 // max(size, 1)} % de sus números "
            f"({word}): solicita a tiempo una nueva resolución."
        )
    ends = numbering.valid_to.strftime("%d/%m/%Y") if numbering.valid_to else ""
    if warning.code == "numbering_expired":
        return f"La resolución de la numeración {label} venció el {ends}: solicita una nueva."
    if warning.code == "numbering_expiring" and numbering.valid_to is not None:
        days = (numbering.valid_to - today).days
        remaining = (
            "vence hoy" if days == 0 else ("queda 1 día" if days == 1 else f"quedan {days} días")
        )
        return f"La resolución de la numeración {label} vence el {ends} ({remaining})."
    return f"Revisa la numeración {label}."


def _numbering_blocks(ctx: ServiceContext, actor: Actor) -> list[TypeBlock]:
    views = catalogs.get_document_types_of_class(ctx, actor, DocumentClass.SALES_INVOICE)
    today = colombian_date(ctx.now())
    blocks = []
    for view in sorted(views, key=lambda v: v.document_type.code):
        active = view.active_numbering
        rows = [
            RangeRow(
                n,
                [warning_text(w, n, today) for w in view.warnings] if n is active else [],
            )
            for n in sorted(view.numbering, key=lambda n: (not n.active, n.id or 0))
        ]
        kind = view.document_type
        blocks.append(TypeBlock(kind.code, kind.name, kind.electronic, kind.active, rows))
    return blocks


_OUTCOME_WORDS = {
    MergeOutcome.ADDED: ("rango agregado", "rangos agregados"),
    MergeOutcome.UPDATED: ("rango actualizado", "rangos actualizados"),
    MergeOutcome.UNCHANGED: ("sin cambios", "sin cambios"),
    MergeOutcome.SKIPPED: ("rango omitido", "rangos omitidos"),
}


def _fetch_summary(result: dian_numbering.NumberingFetch) -> str:
    parts = []
    for outcome, (one, many) in _OUTCOME_WORDS.items():
        count = len(result.with_outcome(outcome))
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    if result.deactivated:
        count = len(result.deactivated)
        parts.append(f"{count} {'rango desactivado' if count == 1 else 'rangos desactivados'}")
    added = [e.authorized.label for e in result.with_outcome(MergeOutcome.ADDED)]
    skipped = [e.authorized.label for e in result.with_outcome(MergeOutcome.SKIPPED)]
    summary = "Numeración consultada en la DIAN: " + (", ".join(parts) or "no hay rangos") + "."
    if added:
        summary += f" Nuevos: {', '.join(added)} (quedan inactivos si la numeración actual sirve)."
    if skipped:
        summary += f" No se pudieron guardar: {', '.join(skipped)}."
    return summary


# --- certificate notices ---------------------------------------------------------------------


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class NoticeView:
    kind: str
    message: str


def notice_views(notices: list[Notice]) -> list[NoticeView]:
    """The service's notices with their dates written the Colombian way (21/11/2026)."""
    return [NoticeView(n.kind.value, _ISO_DATE.sub(r"\3/\2/\1", n.message)) for n in notices]


def _notices(ctx: ServiceContext, actor: Actor) -> list[NoticeView]:
    return notice_views(certificates.get_all(ctx, actor).notices)


# --- the test set ----------------------------------------------------------------------------

_KIND_NAMES = {"invoice": "Factura", "credit_note": "Nota crédito", "debit_note": "Nota débito"}
_STATUS = {
    "accepted": ("Aceptado", "ok"),
    "rejected": ("Rechazado", "bad"),
    "invalid": ("Inválido (no se envió)", "bad"),
    "sent": ("Enviado, sin respuesta aún", "warn"),
    "pending": ("Pendiente de envío", "warn"),
    "contingency": ("En contingencia", "warn"),
    "not_sent": ("Sin enviar", ""),
}
_RUN_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^interrupted"),
        "El set de pruebas se interrumpió antes de terminar. Ejecútalo de nuevo.",
    ),
    (
        re.compile(r"No invoice of the test set was accepted"),
        "Ninguna factura del set fue aceptada, así que no se emitieron las notas (las notas "
        "corrigen facturas aceptadas).",
    ),
    (re.compile(r"^SendTestSetAsync failed"), "No fue posible enviar el set de pruebas a la DIAN."),
    (re.compile(r"The DIAN refused the test set's ZIP"), "La DIAN rechazó el envío del set."),
    (
        re.compile(r"had not validated the test set"),
        "La DIAN no terminó de validar el set a tiempo; los documentos se siguen consultando "
        "automáticamente.",
    ),
    (
        re.compile(r"^GetStatusZip failed"),
        "La DIAN no respondió varias consultas seguidas del estado del set; los documentos se "
        "siguen consultando automáticamente.",
    ),
    (re.compile(r"^(\d+) documents got no verdict"), "{0} documentos quedaron sin respuesta."),
    (
        re.compile(r"cash means of payment and an active user"),
        "La empresa necesita un medio de pago de contado activo y un usuario activo.",
    ),
]
# Progress reported by runs of this process (the phase is not stored; counts are).
_PHASES: dict[tuple[int, int], str] = {}
_PHASES_LOCK = threading.Lock()


@dataclass(frozen=True)
class DocumentRow:
    number: str
    kind: str
    status: str
    badge: str
    document_key: str | None
    messages: tuple[str, ...]


def run_problem(run: TestSetRun, now: datetime) -> str | None:
    """Why a run did not end well, in Spanish (None: it did, or it is still running)."""
    if run.stale(now):
        return "El set de pruebas se interrumpió antes de terminar. Ejecútalo de nuevo."
    if run.state is RunState.RUNNING:
        return None
    if run.error:
        for pattern, words in _RUN_PROBLEMS:
            found = pattern.search(run.error)
            if found:
                return words.format(*found.groups())
        return "El set de pruebas no terminó."
    if not run.passed:
        return (
            f"La DIAN no aceptó todo el set: {run.rejected} rechazados y {run.invalid} "
            "inválidos. Corrige lo que indican los mensajes y ejecútalo de nuevo."
        )
    return None


def _state_text(run: TestSetRun, now: datetime) -> tuple[str, str]:
    if run.stale(now):
        return "Interrumpido", "bad"
    if run.state is RunState.RUNNING:
        return "En curso", "warn"
    if run.passed:
        return "Aprobado: todos los documentos aceptados", "ok"
    if run.state is RunState.FINISHED:
        return "Terminado con rechazos", "bad"
    return "No terminó", "bad"


def _progress_label(run: TestSetRun, now: datetime) -> str:
    issued = len(run.document_ids)
    settled = run.accepted + run.rejected + run.invalid
    if run.state is not RunState.RUNNING or run.stale(now):
        ended = "Set de pruebas terminado" if run.state is RunState.FINISHED else "Se detuvo"
        return (
            f"{ended}: {run.accepted} aceptados, {run.rejected} rechazados y "
            f"{run.invalid} inválidos de {run.total} documentos."
        )
    with _PHASES_LOCK:
        phase = _PHASES.get((run.company_id, run.id or 0))
    if phase is None:  # a run of another process: guessed from its counts
        phase = (
            "sending"
            if run.sent + run.invalid < issued
            else ("waiting" if settled < issued else "issuing")
        )
    if phase == "issuing":
        return f"Emitiendo documentos: {issued} de {run.total}."
    if phase == "sending":
        return f"Firmando y enviando a la DIAN: {run.sent} de {issued} enviados."
    return f"Validando en la DIAN: {settled} de {run.total} con respuesta."


def _progress_done(run: TestSetRun) -> tuple[int, int]:
    """Each document counts three steps: issued, sent (or failed locally), answered."""
    issued = len(run.document_ids)
    settled = run.accepted + run.rejected + run.invalid
    total = 3 * run.total
    if run.state is RunState.FINISHED:
        return total, total
    return min(issued + run.sent + run.invalid + settled, total), total


def _document_rows(found: habilitacion.TestSetReport) -> list[DocumentRow]:
    rows = []
    for document in found.documents:
        status, badge = _STATUS.get(document.status, (document.status, ""))
        rows.append(
            DocumentRow(
                number=document.number,
                kind=_KIND_NAMES.get(document.kind.value, document.kind.value),
                status=status,
                badge=badge,
                document_key=document.document_key,
                messages=document.messages,
            )
        )
    return rows


def _report_context(ctx: ServiceContext, found: habilitacion.TestSetReport) -> dict[str, Any]:
    now = ctx.now()
    run = found.run
    state, badge = _state_text(run, now)
    return {
        "run": run,
        "run_state": state,
        "run_badge": badge,
        "problem": run_problem(run, now),
        "documents": _document_rows(found),
        "running": run.state is RunState.RUNNING and not run.stale(now),
    }


def _report_html(report: Mapping[str, Any]) -> str:
    return templates.get_template("dian/_test_set_report.html").render(**report)


def _latest_report(ctx: ServiceContext, actor: Actor) -> habilitacion.TestSetReport | None:
    try:
        return habilitacion.report(ctx, actor)
    except NotFound:
        return None


def _can_run_test_set(settings: EInvoicingSettings | None) -> bool:
    return (
        settings is not None and settings.environment == HABILITACION and bool(settings.test_set_id)
    )


def _start_in_background(ctx: ServiceContext, actor: Actor, run: TestSetRun) -> None:
    key = (run.company_id, run.id or 0)
    poll = POLL_SECONDS

    def follow(step: habilitacion.Progress) -> None:
        with _PHASES_LOCK:
            _PHASES[key] = step.phase

    def work() -> None:
        try:
            habilitacion.execute(ctx, actor, run, progress=follow, poll_seconds=poll)
        except Exception:  # the run is already marked failed; keep the reason in the log
            log.exception("the test set run %s of company %s failed", run.id, run.company_id)
        finally:
            with _PHASES_LOCK:
                _PHASES.pop(key, None)

    threading.Thread(target=work, name=f"set-de-pruebas-{run.id}", daemon=True).start()


def _parse_count(value: str) -> int | None:
    value = value.strip()
    if not value or len(value) > 6 or not value.isdigit():
        return None
    count = int(value)
    return count if count <= MAX_DOCUMENTS_PER_KIND else None


def _composition_values(composition: Composition = DEFAULT_COMPOSITION) -> dict[str, Any]:
    return {
        "invoices": composition.invoices,
        "credit_notes": composition.credit_notes,
        "debit_notes": composition.debit_notes,
    }


# --- certificates ----------------------------------------------------------------------------

STATE_BADGES = {
    CertificateState.EN_TRAMITE: "warn",
    CertificateState.ACEPTADO: "warn",
    CertificateState.RECHAZADO: "bad",
    CertificateState.COMPLETADO: "ok",
    CertificateState.VENCIDO: "bad",
}
UPLOAD_FIELDS = {CERTIFICATE_FIELD: "certificate", "content": "certificate"}


def _certificate_id(value: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 19:
        raise NotFound("certificate", value[:30])
    number = int(value)
    if not 0 < number <= MAX_RECORD_ID:
        raise NotFound("certificate", value[:30])
    return number


def _certificate_page(
    request: Request,
    ctx: ServiceContext,
    actor: Actor,
    certificate_id: int | None,
    *,
    status_code: int = 200,
    request_form: FormState | None = None,
    state_form: FormState | None = None,
    upload_form: FormState | None = None,
    upload_problems: list[str] | None = None,
) -> Response:
    listing = certificates.get_all(ctx, actor)
    records = listing.certificates
    if certificate_id is None and records:
        certificate_id = records[-1].id
    detail = certificates.get(ctx, actor, certificate_id) if certificate_id is not None else None
    accepted = next((r for r in reversed(records) if r.state is CertificateState.ACEPTADO), None)
    open_request = next((r for r in reversed(records) if r.state.is_open_request), None)
    record: CertificateRecord | None = detail.certificate if detail else None
    return render(
        request,
        "dian/certificate.html",
        status_code=status_code,
        notices=notice_views(listing.notices),
        records=list(reversed(records)),
        record=record,
        history=list(reversed(detail.history)) if detail else [],
        next_states=[(s.value, s.label) for s in record.next_states()] if record else [],
        observations_required=", ".join(s.label for s in OBSERVATIONS_REQUIRED),
        accepted=accepted,
        open_request=open_request,
        badges=STATE_BADGES,
        request_form=request_form or FormState(),
        state_form=state_form or FormState(),
        upload_form=upload_form or FormState(),
        upload_problems=upload_problems or [],
        max_kb=MAX_PKCS12_BYTES // 1000,
    )


def _read_upload(field: object) -> bytes:
    """The uploaded file, at most one byte past the limit (the service says it is too big)."""
    if isinstance(field, UploadFile):
        return field.file.read(MAX_PKCS12_BYTES + 1)
    return b""


# --- pages: the setup --------------------------------------------------------------------------


def _setup_page(
    request: Request,
    ctx: ServiceContext,
    actor: Actor,
    *,
    status_code: int = 200,
    form: FormState | None = None,
    numbering_error: str | None = None,
) -> Response:
    settings = einvoicing.find(ctx, actor)
    found = _latest_report(ctx, actor)
    now = ctx.now()
    return render(
        request,
        "dian/settings.html",
        status_code=status_code,
        settings=settings,
        form=form or FormState(_setup_values(settings)),
        notices=_notices(ctx, actor),
        environments=ENVIRONMENT_OPTIONS,
        person_types=PERSON_TYPE_OPTIONS,
        tax_schemes=TAX_SCHEME_OPTIONS,
        responsibilities=RESPONSIBILITY_OPTIONS,
        blocks=_numbering_blocks(ctx, actor),
        numbering_error=numbering_error,
        run=found.run if found else None,
        run_state=_state_text(found.run, now) if found else None,
        can_run=_can_run_test_set(settings),
        test_set_form=FormState(_composition_values()),
        max_per_kind=MAX_DOCUMENTS_PER_KIND,
    )


@router.get("")
def index(request: Request, ctx: Context, session: FullSession) -> Response:
    return _setup_page(request, ctx, session.actor)


@router.post("")
def update(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    values, data = _posted_setup(form)
    try:
        einvoicing.update(ctx, session.actor, data)
    except RuleViolations as refused:
        state = FormState.refused(values, refused, {"responsibilities": "responsibilities"})
        return _setup_page(request, ctx, session.actor, status_code=400, form=state)
    return redirect(request, HOME, flash="Configuración de facturación electrónica guardada.")


@router.post("/numeracion")
def fetch_numbering(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    try:
        result = dian_numbering.fetch(ctx, session.actor)
    except RuleViolations as refused:
        message = " ".join(spanish(v) for v in refused.violations)
        return _setup_page(request, ctx, session.actor, status_code=400, numbering_error=message)
    except Unavailable:
        return _setup_page(
            request,
            ctx,
            session.actor,
            status_code=503,
            numbering_error=(
                "No fue posible comunicarse con la DIAN para consultar la numeración. "
                "Intenta de nuevo en unos minutos."
            ),
        )
    return redirect(request, HOME + "#numeracion", flash=_fetch_summary(result))


# --- pages: the test set -----------------------------------------------------------------------


def _test_set_page(
    request: Request,
    ctx: ServiceContext,
    actor: Actor,
    *,
    status_code: int = 200,
    form: FormState | None = None,
) -> Response:
    settings = einvoicing.find(ctx, actor)
    found = _latest_report(ctx, actor)
    report = _report_context(ctx, found) if found else None
    return render(
        request,
        "dian/test_set.html",
        status_code=status_code,
        settings=settings,
        report=report,
        report_html=_report_html(report) if report else "",
        can_run=_can_run_test_set(settings),
        test_set_form=form or FormState(_composition_values()),
        max_per_kind=MAX_DOCUMENTS_PER_KIND,
        progress=_progress_done(found.run) if found else (0, 0),
        progress_label=_progress_label(found.run, ctx.now()) if found else "",
    )


@router.get("/set-de-pruebas")
def test_set(request: Request, ctx: Context, session: FullSession) -> Response:
    return _test_set_page(request, ctx, session.actor)


@router.post("/set-de-pruebas")
def start_test_set(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    values = {name: _clip(text(form, name)) for name in ("invoices", "credit_notes", "debit_notes")}
    counts = {name: _parse_count(value) for name, value in values.items()}
    errors = {
        name: f"Escribe un número entero entre 0 y {MAX_DOCUMENTS_PER_KIND}."
        for name, count in counts.items()
        if count is None
    }
    if errors:
        return _test_set_page(
            request, ctx, session.actor, status_code=400, form=FormState(values, errors)
        )
    composition = Composition(
        invoices=counts["invoices"] or 0,
        credit_notes=counts["credit_notes"] or 0,
        debit_notes=counts["debit_notes"] or 0,
    )
    try:
        run = habilitacion.start(ctx, session.actor, composition)
    except RuleViolations as refused:
        return _test_set_page(
            request,
            ctx,
            session.actor,
            status_code=400,
            form=FormState.refused(values, refused),
        )
    except Conflict:
        return redirect(
            request,
            TEST_SET_PAGE,
            flash="Ya hay un set de pruebas en curso: espera a que termine.",
        )
    _start_in_background(ctx, session.actor, run)
    return redirect(
        request,
        TEST_SET_PAGE,
        flash=f"Set de pruebas iniciado: {composition.total} documentos para la DIAN.",
    )


@router.get("/set-de-pruebas/progreso")
def test_set_progress(ctx: Context, session: FullSession) -> Response:
    found = _latest_report(ctx, session.actor)
    if found is None:
        payload: dict[str, Any] = {
            "done": 0,
            "total": 0,
            "finished": True,
            "label": "Aún no se ha ejecutado ningún set de pruebas.",
            "html": "",
        }
    else:
        report = _report_context(ctx, found)
        done, total = _progress_done(found.run)
        payload = {
            "done": done,
            "total": total,
            "finished": not report["running"],
            "label": _progress_label(found.run, ctx.now()),
            "html": _report_html(report),
        }
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


# --- pages: the certificate --------------------------------------------------------------------


@router.get("/certificado")
def certificate(request: Request, ctx: Context, session: FullSession) -> Response:
    return _certificate_page(request, ctx, session.actor, None)


@router.get("/certificado/{certificate_id}")
def certificate_record(
    request: Request, ctx: Context, session: FullSession, certificate_id: str
) -> Response:
    return _certificate_page(request, ctx, session.actor, _certificate_id(certificate_id))


@router.post("/certificado/solicitud")
def request_certificate(
    request: Request, ctx: Context, session: FullSession, form: Form
) -> Response:
    values = {"observations": _clip(text(form, "observations"))}
    try:
        record = certificates.create(ctx, session.actor, values["observations"] or None)
    except RuleViolations as refused:
        return _certificate_page(
            request,
            ctx,
            session.actor,
            None,
            status_code=400,
            request_form=FormState.refused(values, refused),
        )
    return redirect(
        request,
        CERTIFICATE_PAGE,
        flash=f"Solicitud de certificado digital {record.id} registrada: En trámite.",
    )


@router.post("/certificado/{certificate_id}/estado")
def change_certificate_state(
    request: Request, ctx: Context, session: FullSession, certificate_id: str, form: Form
) -> Response:
    record_id = _certificate_id(certificate_id)
    values = {
        "state": _clip(text(form, "state")),
        "observations": _clip(text(form, "observations")),
    }
    try:
        record = certificates.change_state(
            ctx, session.actor, record_id, values["state"], values["observations"] or None
        )
    except RuleViolations as refused:
        state = FormState.refused(values, refused)
        return _certificate_page(
            request, ctx, session.actor, record_id, status_code=400, state_form=state
        )
    return redirect(
        request,
        f"{CERTIFICATE_PAGE}/{record.id}",
        flash=f"Certificado digital {record.id}: {record.state.label}.",
    )


@router.post("/certificado/cargar")
def upload_certificate(
    request: Request, ctx: Context, session: FullSession, form: Form
) -> Response:
    target_text = text(form, "certificate_id")
    target = _certificate_id(target_text) if target_text else None
    content = _read_upload(form.get("certificate"))
    password = str(form.get("password") or "")[:MAX_TEXT]
    try:
        record = certificates.upload(ctx, session.actor, target, content, password)
    except RuleViolations as refused:
        problems = [spanish(v) for v in refused.violations if v.field in UPLOAD_FIELDS]
        others = [v for v in refused.violations if v.field not in UPLOAD_FIELDS]
        state = FormState({}, {"": " ".join(spanish(v) for v in others)} if others else {})
        if problems:
            state.errors["certificate"] = problems[0]
        return _certificate_page(
            request,
            ctx,
            session.actor,
            target,
            status_code=400,
            upload_form=state,
            upload_problems=list(dict.fromkeys(problems)),
        )
    return redirect(
        request,
        f"{CERTIFICATE_PAGE}/{record.id}",
        flash=f"Certificado digital cargado: {record.state.label}.",
    )
