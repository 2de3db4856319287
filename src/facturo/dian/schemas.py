"""The DIAN XSD bundle shipped with the package, and validation against it.

The bundle (``facturo/dian/xsd/{maindoc,common}``) is read through ``importlib.resources``
and served to libxml2 from memory by a resolver, so the schemas' relative imports
(``../common/…``) work the same from a source tree, a wheel or a zip. One schema is compiled
lazily, once per process, for all five roots (Invoice, CreditNote, DebitNote,
ApplicationResponse, AttachedDocument): they share the 40 000-line common library, so
compiling them together costs about what compiling one does.

Three adjustments are made in memory, never on disk (shared/reference/dian.md §10):

- ``sts:DianExtensions`` is declared in ``DIAN_UBL_Structures.xsd``, which no UBL schema
  imports; ``ext:ExtensionContent`` holds ``xs:any processContents="lax"``, so without the
  import the DIAN extension would never be checked. It is imported where UBL says extension
  schemas go (``UBL-ExtensionContentDataType-2.1.xsd``). ``ds:Signature`` and, inside its
  ``ds:Object`` (also lax), ``xades:QualifyingProperties`` are declared by the bundle's
  xmldsig and XAdES 1.3.2 schemas, so a signed document is validated strictly against them.
- ``coID2Type`` (``sts:ProviderID``, ``sts:AuthorizationProviderID``) restricts ``schemeID``
  to identification-type codes, while DIAN's own documents put the NIT's check digit there
  (``schemeID="4" schemeName="31"``): the restriction is dropped. ``sts:QRCode`` is typed
  ``xs:anyURI``, but DIAN accepts the multi-line QR text there: it becomes a string.
- ``ext:ExtensionContent`` requires exactly one child, but a built document leaves the last
  one empty for the signer: the child becomes optional. ``validate(…, signed=True)`` checks
  the signature's presence instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any, Final, cast

from lxml import etree

from facturo.dian.errors import SchemaError

_XS = "http://www.w3.org/2001/XMLSchema"
_UBL_ROOT = "urn:oasis:names:specification:ubl:schema:xsd:{}-2"
_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
_DS = "http://www.w3.org/2000/09/xmldsig#"
_STS = "dian:gov:co:facturaelectronica:Structures-2-1"

ROOTS: Final = ("Invoice", "CreditNote", "DebitNote", "ApplicationResponse", "AttachedDocument")
_ROOT_FILES: Final = {
    f"{{{_UBL_ROOT.format(root)}}}{root}": f"maindoc/UBL-{root}-2.1.xsd" for root in ROOTS
}
# A made-up file URL: libxml2 resolves the bundle's relative imports against it, and the
# resolver answers every URL under it from memory (nothing is read from this path).
_BASE_URL = "file:///facturo-dian-xsd/"


def _bundle_files() -> dict[str, bytes]:
    xsd = resources.files("facturo.dian").joinpath("xsd")
    files: dict[str, bytes] = {}
    for folder in ("maindoc", "common"):
        for entry in xsd.joinpath(folder).iterdir():
            if entry.name.endswith(".xsd"):
                files[f"{folder}/{entry.name}"] = entry.read_bytes()
    return files


def _xs(local: str) -> str:
    return f"{{{_XS}}}{local}"


def _adjust_extension_content(source: bytes) -> bytes:
    tree = etree.fromstring(source)
    # Built documents leave the signature's ExtensionContent empty for the signer.
    for any_element in tree.iter(_xs("any")):
        any_element.set("minOccurs", "0")
    # UBL: "import here all extension schemas" — DIAN's, so DianExtensions is validated.
    first_import = tree.find(_xs("import"))
    dian_import = etree.Element(
        _xs("import"),
        namespace=_STS,
        schemaLocation="../maindoc/DIAN_UBL_Structures.xsd",
    )
    assert first_import is not None
    first_import.addprevious(dian_import)
    return etree.tostring(tree)


def _adjust_dian_structures(source: bytes) -> bytes:
    tree = etree.fromstring(source)
    for complex_type in tree.iter(_xs("complexType")):
        if complex_type.get("name") != "coID2Type":
            continue
        for attribute in complex_type.iter(_xs("attribute")):
            if attribute.get("name") == "schemeID":
                # DIAN writes the NIT's check digit here, not an identification type.
                for child in list(attribute):
                    attribute.remove(child)
                attribute.set("type", "xsd:normalizedString")
    for element in tree.iter(_xs("element")):
        if element.get("name") == "QRCode" and element.get("type") == "anyURI":
            # DIAN accepts the whole multi-line QR text, which is no URI.
            element.set("type", "string")
    return etree.tostring(tree)


_ADJUSTMENTS = {
    "common/UBL-ExtensionContentDataType-2.1.xsd": _adjust_extension_content,
    "maindoc/DIAN_UBL_Structures.xsd": _adjust_dian_structures,
}


class _BundleResolver(etree.Resolver):
    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self._files = files

    # lxml passes a context the stubs do not declare.
    def resolve(  # type: ignore[override]
        self, system_url: str | None, public_id: str | None, context: object
    ) -> Any:
        if system_url and system_url.startswith(_BASE_URL):
            content = self._files.get(system_url.removeprefix(_BASE_URL))
            if content is not None:
                return self.resolve_string(content, context, base_url=system_url)
        return None  # anything else is unknown; libxml2 reports the failed import


def _compile() -> etree.XMLSchema:
    files = _bundle_files()
    for name, adjust in _ADJUSTMENTS.items():
        files[name] = adjust(files[name])
    imports = "".join(
        f'<xs:import namespace="{_UBL_ROOT.format(root)}" schemaLocation="maindoc/UBL-{root}-2.1.xsd"/>'
        for root in ROOTS
    )
    entry = f'<xs:schema xmlns:xs="{_XS}" targetNamespace="urn:facturo:dian:bundle">{imports}</xs:schema>'
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_BundleResolver(files))
    document = etree.fromstring(entry.encode(), parser, base_url=_BASE_URL + "bundle.xsd")
    return etree.XMLSchema(document)


_compile_lock = threading.Lock()
_validate_lock = threading.Lock()
_schema: etree.XMLSchema | None = None


def _bundle_schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        with _compile_lock:
            if _schema is None:
                _schema = _compile()
    return _schema


def _root_of(xml: bytes | etree._Element | etree._ElementTree) -> etree._Element:
    if isinstance(xml, bytes):
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
            return etree.fromstring(xml, parser)
        except etree.XMLSyntaxError as error:
            raise SchemaError(f"not well-formed XML: {error}", (f"{error}",)) from error
    if isinstance(xml, etree._ElementTree):
        return xml.getroot()
    return xml


def problems(
    xml: bytes | etree._Element | etree._ElementTree, *, signed: bool = False
) -> tuple[str, ...]:
    """Every reason the document fails the DIAN bundle, as ``line N: message``; empty if valid.

    ``signed`` also requires the ``ds:Signature`` in the last ``ext:UBLExtension``.
    """
    root = _root_of(xml)
    if root.tag not in _ROOT_FILES:
        return (f"line {root.sourceline}: {root.tag} is not a root the DIAN bundle validates",)
    schema = _bundle_schema()
    # One compiled schema serves every thread, but a validator's error log is per object:
    # validations take turns (about a millisecond each).
    with _validate_lock:
        valid = schema.validate(root)
        found = (
            ()
            if valid
            else tuple(
                _describe(entry) for entry in cast("Iterable[etree._LogEntry]", schema.error_log)
            )
        )
    if signed:
        found += _signature_problems(root)
    return found


def _describe(entry: etree._LogEntry) -> str:
    # Built documents are one long line: the node's path says where the problem is.
    where = f" (at {entry.path})" if entry.path else ""
    return f"line {entry.line}: {entry.message}{where}"


def _signature_problems(root: etree._Element) -> tuple[str, ...]:
    extensions = root.findall(f"{{{_EXT}}}UBLExtensions/{{{_EXT}}}UBLExtension")
    if not extensions:
        return ("no ext:UBLExtension holds the signature",)
    last = extensions[-1].find(f"{{{_EXT}}}ExtensionContent/{{{_DS}}}Signature")
    if last is None:
        return ("the last ext:UBLExtension holds no ds:Signature",)
    return ()


def validate(xml: bytes | etree._Element | etree._ElementTree, *, signed: bool = False) -> None:
    """Raise ``SchemaError`` listing every libxml2 message if the document fails the bundle
    (the schema is chosen from its root element)."""
    found = problems(xml, signed=signed)
    if found:
        raise SchemaError(
            f"the document does not follow the DIAN schema ({len(found)} problems): {found[0]}",
            found,
        )
