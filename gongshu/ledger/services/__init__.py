"""The ledger's services, one module per job: ``money`` (amounts to the fen), ``access``
(who may read and write an organization's books), ``rulebook`` (the rule rows),
``journal`` (balanced postings, the period lock), ``periods`` (closing), ``cards``,
``costs`` (elements, treatment, proposals), ``measurement`` (amortisation, impairment,
net realisable value), ``disposal`` (taking a card off the books), ``disclosure`` (the tables and their tie-outs),
``exports`` (XLSX, DOCX, CSV, beancount) and ``valuation`` (worksheets beside the books).
API handlers, portal views and the CLI call these, never the models directly."""
