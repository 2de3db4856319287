"""DIAN electronic invoicing (validación previa, UBL 2.1, Anexo Técnico FEV 1.9).

Pure, strictly typed building blocks that know nothing of the database:

- ``model``      what a document says, in DIAN's terms (the builders' input)
- ``keys``       CUFE / CUDE / SoftwareSecurityCode, file names, QR text
- ``ubl``        UBL 2.1 builders (invoice, export invoice, credit and debit notes, attached document)
- ``schemas``    the DIAN XSD bundle shipped with the package, and validation against it
- ``certificates``  PKCS#12 signing certificates: loading, checks, sealing
- ``xades``      the XAdES-EPES signer and verifier
- ``soap``       the WcfDianCustomerServices client (SOAP 1.2, WS-Addressing, WS-Security)
- ``standin``    a faithful local stand-in for the DIAN web service
- ``pdf``        the graphic representation

Errors raised here all derive from ``DianError`` (``facturo.dian.errors``).
"""
