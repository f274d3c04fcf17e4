"""The documents: what the program prints, as PDFs (reportlab) drawn with the shipped Chinese font.

The one-page plan summary, the agreements (with their number, hash and QR code), the public-notice sheets
and the import report.  A renderer receives the data it prints as plain values or a view object
(``notice_views.NoticeView``, ``plan_summary.PlanHousehold``) and writes the file; it never opens a
session, so the same computation feeds the window and the paper.

May import: ``rules``, ``xinjie_desktop.i18n``, ``xinjie_desktop.resources`` and ``build_info``, reportlab
and pypdf.  Nothing from ``store``, ``records`` or ``sync`` (an import contract holds it).
"""
