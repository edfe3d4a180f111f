"""The review pack — the Monday « point du lundi » and the quarterly report — gathered once
(``pack.py``) and written as a PDF (``pdf.py``) or a workbook (``workbook.py``), so that both say the same
figures."""
