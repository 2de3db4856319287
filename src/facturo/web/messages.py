"""Rule violations as the web app shows them: in Spanish, next to the field.

The domain writes its messages for the APIs (Siigo's clients read English messages with
``{field}`` in them); the web app says the same in Spanish. Generic rules are worded by code;
a message the domain already writes in Spanish (DIAN setup, certificates, permissions) is
shown as it is; anything else falls back to the code's wording, never to English."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from facturo.domain.errors import Violation

_BY_CODE = {
    "parameter_required": "Este campo es obligatorio.",
    "parameter_empty": "Este campo es obligatorio.",
    "length_max": "Es demasiado largo.",
    "length_min": "Es demasiado corto.",
    "invalid_email": "El correo electrónico no es válido.",
    "already_exists": "Ya existe un registro con este valor.",
    "invalid_reference": "El valor elegido no existe.",
    "parameter_inactive": "El valor elegido está inactivo.",
    "invalid_date": "La fecha no es válida.",
    "invalid_date_range": "El rango de fechas no es válido.",
    "invalid_amount": "El valor no es válido.",
    "invalid_total_payments": "Los pagos no suman el total del documento.",
    "invalid_identification": "La identificación no es válida.",
    "invalid_code": "El código solo admite letras y números.",
    "invalid_type": "El valor no es del tipo esperado.",
    "invalid_array": "La lista no es válida.",
    "invalid_document": "El documento no permite esta operación.",
    "invalid_dian_resolution": (
        "La numeración no tiene resolución DIAN, vigencia o clave técnica."
    ),
    "document_settings": "Falta configurar la facturación electrónica.",
    "company_settings": "Falta configurar la empresa.",
    "product_settings": "El producto no permite esta operación.",
    "warehouse_settings": "La bodega no permite esta operación.",
    "update_not_allowed": "Este cambio no está permitido.",
    "delete_not_allowed": "No se puede eliminar: tiene movimientos.",
    "invalid_value": "El valor no es válido.",
}

# Domain messages worth keeping in substance, translated.
_TRANSLATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"must have at least (\d+) characters"), "Debe tener al menos {0} caracteres."),
    (re.compile(r"exceeds the maximum length of (\d+)"), "Admite máximo {0} caracteres."),
    (re.compile(r"is too easy to guess"), "Es demasiado fácil de adivinar."),
    (re.compile(r"The username (\S+) is already taken"), "El usuario {0} ya existe."),
    (
        re.compile(r"identification (\S+) already exists"),
        "Ya existe un usuario con la identificación {0}.",
    ),
    (
        re.compile(r"The last active user with full access cannot be deactivated"),
        "No se puede desactivar al último usuario con acceso total.",
    ),
    (
        re.compile(r"has not been accepted by the DIAN"),
        "La factura aún no fue aceptada por la DIAN.",
    ),
    (re.compile(r"is annulled"), "El documento está anulado."),
    (re.compile(r"not enough stock|insufficient stock", re.I), "No hay existencias suficientes."),
    # --- Habilitaciones DIAN (web/pages/dian_settings.py): setup, certificate, test set ---
    (
        re.compile(r"must be habilitacion \(2\) or produccion \(1\)"),
        "Elige habilitación o producción.",
    ),
    (
        re.compile(r"must be an absolute http or https URL"),
        "Debe ser una dirección completa que empiece por http:// o https://.",
    ),
    (
        re.compile(r"must be the GUID the DIAN portal shows"),
        "Debe ser el GUID que muestra el portal de la DIAN (8-4-4-4-12 caracteres hexadecimales).",
    ),
    (
        re.compile(r"must be 1 to 50 letters or digits, as registered in the DIAN portal"),
        "Debe tener de 1 a 50 letras o dígitos, como lo registraste en el portal de la DIAN.",
    ),
    (re.compile(r"The field \{field\} must be 3 to 15 digits"), "Debe tener de 3 a 15 dígitos."),
    (
        re.compile(r"is wrong: the check digit of NIT (\d+) is (\d+)"),
        "El dígito de verificación del NIT {0} es {1}.",
    ),
    (
        re.compile(r"must be 3 digits \(000 for software propio\)"),
        "Debe tener 3 dígitos (000 para software propio).",
    ),
    (
        re.compile(r"must be 1 \(persona jurídica\) or 2 \(persona natural\)"),
        "Elige persona jurídica o persona natural.",
    ),
    (
        re.compile(r"The responsibility (\S+) in \{field\} cannot go on an electronic invoice"),
        "La responsabilidad {0} no puede ir en una factura electrónica.",
    ),
    (re.compile(r"must be 01 \(IVA\) or ZZ \(No aplica\)"), "Elige IVA (01) o No aplica (ZZ)."),
    (
        re.compile(r"is not a DIAN municipality"),
        "No es un municipio de la DIAN: escribe el código DIVIPOLA de 5 dígitos.",
    ),
    (re.compile(r"^The field \{field\} must be 6 digits$"), "Debe tener 6 dígitos."),
    (re.compile(r"is not a Colombian postal code"), "No es un código postal colombiano."),
    (
        re.compile(r"is not a postal code of department (\d+)"),
        "No es un código postal del departamento {0}.",
    ),
    (
        re.compile(r"must be at most 50 digits, spaces, \+, - or parentheses"),
        "Solo admite dígitos, espacios, +, - y paréntesis (máximo 50).",
    ),
    (
        re.compile(r"The certificate request (\d+) is still (.+?): follow it up"),
        "La solicitud de certificado {0} sigue {1}: haz su seguimiento (o ciérrala como Vencido) "
        "antes de registrar otra.",
    ),
    (
        re.compile(r"A certificate in state (.+?) cannot change to (.+?); it can change to: (.+)"),
        "Un certificado en estado {0} no puede pasar a {1}; puede pasar a: {2}.",
    ),
    (
        re.compile(r"is required to change to Rechazado"),
        "Escribe las observaciones: qué se debe corregir (son obligatorias para pasar a "
        "Rechazado).",
    ),
    (
        re.compile(r"is required to change to Vencido"),
        "Escribe las observaciones: por qué se cierra (son obligatorias para pasar a Vencido).",
    ),
    (
        re.compile(r"becomes Completado when its PKCS#12 is uploaded"),
        "El certificado queda Completado al cargar su archivo (.p12 o .pfx) con la solicitud "
        "Aceptada.",
    ),
    (
        re.compile(r"cannot be uploaded to a record in state (.+?):"),
        "No se puede cargar el certificado en una solicitud en estado {0}: debe estar Aceptada.",
    ),
    (
        re.compile(r"This certificate is already stored in record (\d+)"),
        "Este certificado ya está guardado (certificado N.º {0}).",
    ),
    (re.compile(r"must be one of: en_tramite"), "Elige un estado de la lista."),
    (
        re.compile(r"exceeds (\d+) bytes: it is not a certificate"),
        "El archivo es demasiado grande para ser un certificado (máximo {0} bytes).",
    ),
    (
        re.compile(r"configúrala primero \(facturo dian setup\)"),
        "La empresa no tiene configurada la facturación electrónica (ambiente, software y datos "
        "fiscales): configúrala primero.",
    ),
    (
        re.compile(r"está vencido: genera una nueva solicitud y carga el nuevo certificado"),
        "El certificado digital de la empresa está vencido: genera una nueva solicitud y carga "
        "el nuevo certificado.",
    ),
    (
        re.compile(r"The test set is sent in habilitación only"),
        "El set de pruebas solo se envía en el ambiente de habilitación.",
    ),
    (
        re.compile(r"The company has no test set id"),
        "Falta el identificador del set de pruebas (TestSetId) que muestra el portal de la DIAN.",
    ),
    (
        re.compile(r"has no active electronic (\S+) document type with an active numbering range"),
        "La empresa no tiene un tipo de documento electrónico {0} activo con numeración activa.",
    ),
    (
        re.compile(r"The numbering range (\S*) of FV-(\d+) has no DIAN resolution"),
        "La numeración {0} de FV-{1} no tiene resolución DIAN, clave técnica o vigencia para "
        "hoy, o se agotó.",
    ),
    (re.compile(r"must lie between 0 and (\d+)"), "Debe estar entre 0 y {0}."),
    (
        re.compile(r"The test set needs at least one invoice"),
        "El set necesita al menos una factura (las notas corrigen facturas del set).",
    ),
    (
        re.compile(r"The DIAN refused GetNumberingRange \(OperationCode (\w*)\): (.*)"),
        "La DIAN rechazó la consulta de numeración (código {0}): {1}",
    ),
    (re.compile(r"The DIAN answered with a fault: (.*)"), "La DIAN respondió con un error: {0}"),
    (
        re.compile(r"no active electronic sales-invoice document type for the ranges"),
        "La empresa no tiene un tipo de factura de venta electrónica activo para los rangos.",
    ),
    # --- Vender, recibos de caja y notas crédito (selling.py, receipts.py, credit_notes.py) ---
    (
        re.compile(r"Sending e-mail is not configured"),
        "El envío de correos no está configurado: el operador debe definir FACTURO_SMTP_HOST "
        "y FACTURO_SMTP_FROM.",
    ),
    (
        re.compile(r"the customer has no e-mail address"),
        "El cliente no tiene correo electrónico: escribe uno.",
    ),
    (
        re.compile(r"An account with identification (\S+) and branch office \d+ already exists"),
        "Ya existe un tercero con la identificación {0}: búscalo por su número.",
    ),
    (re.compile(r"The customer doesn't exist"), "El cliente no existe."),
    (re.compile(r"The customer \S+ is inactive"), "El cliente está inactivo."),
    (
        re.compile(r"cannot be after today"),
        "La fecha no puede ser posterior a hoy.",
    ),
    (
        re.compile(r"A note cannot be dated before the invoice"),
        "La nota no puede tener fecha anterior a la de la factura.",
    ),
    (
        re.compile(r"The receipt is dated before"),
        "El recibo no puede tener fecha anterior a la del documento que paga.",
    ),
    (
        re.compile(r"mayor al valor del saldo de la cuota"),
        "El valor supera el saldo de la cuota.",
    ),
    (re.compile(r"belongs to another customer"), "La cuota es de otro cliente."),
    (
        re.compile(r"is paid twice in this receipt"),
        "La misma cuota está dos veces en el recibo.",
    ),
    (
        re.compile(r"The credit note's total \S+ exceeds what is left of invoice"),
        "El total de la nota supera lo que queda por acreditar de la factura.",
    ),
    (
        re.compile(r"An annulment note \(reason 2\) must reverse all that is left of the invoice"),
        "Una nota de anulación (concepto 2) debe reversar todo lo que queda de la factura.",
    ),
    (
        re.compile(r"Only (\S+) of (\S+) are left to return"),
        "Solo quedan {0} de {1} por devolver.",
    ),
    (re.compile(r"is not on the invoice"), "El producto no está en la factura."),
    (
        re.compile(r"Earlier notes changed the value of this invoice"),
        "Notas anteriores cambiaron el valor de la factura: indica los productos a reversar.",
    ),
    (
        re.compile(r"The document's total must be greater than zero"),
        "El total del documento debe ser mayor que cero.",
    ),
    (
        re.compile(r"must be greater than zero"),
        "Debe ser mayor que cero.",
    ),
    (
        re.compile(r"cannot receive money on a receipt"),
        "Esta forma de pago no sirve para recibir dinero en un recibo de caja.",
    ),
    (
        re.compile(r"The numbering range is exhausted"),
        "La numeración de este tipo de documento se agotó.",
    ),
    # --- Facturas (web/pages/invoices.py) ---
    (
        re.compile(r"The product (\S+) in \{field\} does not exist"),
        "No existe un producto con el código {0}.",
    ),
    (re.compile(r"The product (\S+) in \{field\} is inactive"), "El producto {0} está inactivo."),
    (re.compile(r"admits at most (\d+) decimal places"), "Admite máximo {0} decimales."),
    (re.compile(r"The field \{field\} cannot be negative"), "No puede ser negativo."),
    (re.compile(r"The field \{field\} goes from 0 to 100"), "Debe estar entre 0 y 100."),
    (
        re.compile(r"cannot exceed the line's gross value (\S+)"),
        "El descuento no puede superar el valor bruto de la línea ({0}).",
    ),
    (
        re.compile(r"cannot be before the document's date"),
        "No puede ser anterior a la fecha de la factura.",
    ),
    (re.compile(r"A line cannot exceed"), "La línea supera el valor máximo permitido."),
    (
        re.compile(r"cannot be used on a sale: it must be active"),
        "Esta forma de pago no se puede usar en una venta.",
    ),
    (
        re.compile(r"The document type has no active numbering range"),
        "El tipo de documento no tiene una numeración activa.",
    ),
    (
        re.compile(r"The send cannot be used, you must verify the document settings"),
        "Este tipo de documento no es electrónico: no se puede enviar a la DIAN.",
    ),
    (
        re.compile(r"has not been signed for the DIAN yet"),
        "La factura aún no se ha firmado para la DIAN: envíala primero.",
    ),
    (
        re.compile(r"has not been sent to the DIAN: it has no CUFE"),
        "La factura aún no se ha enviado a la DIAN: todavía no tiene CUFE.",
    ),
    # --- Terceros, productos, inventario (web/pages/parties.py, products.py, stock.py) ---
    (
        re.compile(r"At least one of \{field\} must be true"),
        "Marca al menos un tipo: cliente, proveedor u otro.",
    ),
    (
        re.compile(r"The field \{field\} must be 3 to 13 digits"),
        "Debe tener de 3 a 13 dígitos, sin puntos ni letras.",
    ),
    (
        re.compile(r"must be 1 to 20 letters, digits or inner hyphens"),
        "Admite de 1 a 20 letras o dígitos (con guiones internos).",
    ),
    (
        re.compile(r"The field \{field\} must be a digit from 0 to 9"),
        "Debe ser un dígito de 0 a 9.",
    ),
    (
        re.compile(r"the check digit of NIT (\d+) is (\d)"),
        "El dígito de verificación del NIT {0} es {1}.",
    ),
    (
        re.compile(r"An account with identification (\S+) and branch office (\d+) already exists"),
        "Ya existe un tercero con la identificación {0} y la sucursal {1}.",
    ),
    (re.compile(r"The field \{field\} must be between 0 and (\d+)$"), "Debe estar entre 0 y {0}."),
    (
        re.compile(r"The field \{field\} is not an identification type"),
        "Elige un tipo de identificación.",
    ),
    (re.compile(r"The field \{field\} is not a country code"), "Elige un país de la lista."),
    (
        re.compile(r"The field \{field\} is not a DIAN department"),
        "Elige un departamento de la lista.",
    ),
    (
        re.compile(r"The field \{field\} is not a DIAN municipality"),
        "No es un municipio de la DIAN: escribe el código DIVIPOLA de 5 dígitos o elige de la lista.",
    ),
    (
        re.compile(r"is not a municipality of department (\S+)"),
        "La ciudad no pertenece al departamento elegido ({0}).",
    ),
    (
        re.compile(r"has at most 10 characters and no spaces"),
        "Admite máximo 10 caracteres, sin espacios.",
    ),
    (re.compile(r"must be digits only, at most 10"), "Solo dígitos, máximo 10."),
    (
        re.compile(r"The fiscal responsibility (\S+) in \{field\} is not in the DIAN table"),
        "La responsabilidad fiscal {0} no está en la tabla de la DIAN.",
    ),
    (re.compile(r"admits at most (\d+) contacts"), "Admite máximo {0} contactos."),
    (
        re.compile(r"The contact \d+ \((.*)\) is used by"),
        "El contacto {0} figura en documentos: no se puede quitar.",
    ),
    (
        re.compile(r"must have 1 to 30 characters, without spaces or apostrophes"),
        "Admite de 1 a 30 caracteres, sin espacios ni apóstrofos.",
    ),
    (re.compile(r"is not a DIAN unit of measure"), "No es una unidad de medida de la DIAN."),
    (re.compile(r"A service cannot control stock"), "Un servicio no maneja inventario."),
    (re.compile(r"The field \{field\} is too large"), "El valor es demasiado grande."),
    (re.compile(r"The field \{field\} cannot be negative"), "No puede ser negativo."),
    (re.compile(r"admits at most (\d+) decimal places"), "Admite máximo {0} decimales."),
    (re.compile(r"The tax \d+ in \{field\} does not exist"), "El impuesto elegido no existe."),
    (re.compile(r"The tax \d+ in \{field\} is inactive"), "El impuesto elegido está inactivo."),
    (
        re.compile(r"in \{field\} must be a charge tax"),
        "Debe ser un impuesto de cargo (IVA, impuesto al consumo).",
    ),
    (
        re.compile(r"in \{field\} must be a retención en la fuente"),
        "Debe ser una retención en la fuente.",
    ),
    (
        re.compile(r"The product cannot carry two taxes of"),
        "El producto no puede llevar dos impuestos del mismo tipo.",
    ),
    (re.compile(r"IVA and AdValorem cannot go together"), "IVA y AdValorem no pueden ir juntos."),
    (
        re.compile(r"The account group \S+ in \{field\} does not exist"),
        "El grupo de inventario elegido no existe.",
    ),
    (
        re.compile(r"The account group \S+ in \{field\} is inactive"),
        "El grupo de inventario elegido está inactivo.",
    ),
    (
        re.compile(r"A product with code (\S+) already exists"),
        "Ya existe un producto con el código {0}.",
    ),
    (
        re.compile(r"The \{field\} of a product with movements cannot change"),
        "No se puede cambiar: el producto ya tiene movimientos.",
    ),
    (
        re.compile(r"of a product with stock movements cannot be turned off"),
        "No se puede desactivar: el producto ya tiene movimientos de inventario.",
    ),
    (re.compile(r"The field \{field\} cannot be zero"), "No puede ser cero."),
    (re.compile(r"The product (\S+) does not exist"), "El producto {0} no existe."),
    (
        re.compile(r"The product (\S+) does not control stock"),
        "El producto {0} no maneja inventario.",
    ),
    (re.compile(r"The warehouse (\S+) does not exist"), "La bodega {0} no existe."),
    (re.compile(r"The warehouse (\S+) is inactive"), "La bodega {0} está inactiva."),
]

_SPANISH_HINT = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|del|una?|debe|no|es)\b", re.I)


def spanish(violation: Violation) -> str:
    message = violation.message
    for pattern, template in _TRANSLATIONS:
        found = pattern.search(message)
        if found:
            return template.format(*found.groups())
    if (
        "{field}" not in message
        and not message.startswith("The ")
        and _SPANISH_HINT.search(message)
        and not re.search(r"\b(the|is|must|has|of)\b", message)
    ):
        return message
    return _BY_CODE.get(violation.code, "El valor no es válido.")


def field_errors(
    violations: Iterable[Violation], fields: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Messages by form field (``""`` for the form as a whole). ``fields`` maps a domain path
    (or its prefix) to the form's field name, when they differ."""
    errors: dict[str, str] = {}
    for violation in violations:
        name = violation.field
        if fields:
            name = fields.get(name, fields.get(name.split(".")[0], name))
        errors.setdefault(name, spanish(violation))
    return errors
