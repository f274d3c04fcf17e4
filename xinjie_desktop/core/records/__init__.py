"""The records: the services that read and write a household's records, one user action a transaction.

Households and their members, incomes and workflow; relocation verification; saved housing plans;
agreements (draft, sign, void, verify); demolition; public notices and objections; attachments; the
township's set-up; the household list; the invented demo data.  Each service checks the rules (``rules``)
before it writes through a ``store.database.Store``.

May import: ``rules``, ``store`` and ``documents`` (to print what it stores).  Nothing from ``sync``: a
record does not know it travels; the journal that makes it travel is installed on the store by sync.
"""
