"""A static, self-contained HTML report of a batch run: one study page and one page per session.

:func:`write_report` writes ``OUT_DIR/report/index.html`` (session list with status and QC, group
comparison figures and statistics from :mod:`vtract.compare`) and ``OUT_DIR/report/sessions/<id>.html``
(articulation video with speed and frame-step controls, key frames with contours, pitch and formants
over a spectrogram, measures over time, acoustic summaries, the sync report, QC flags and links to every
data file). Pages are plain HTML with PNG figures (matplotlib), one CSS and one small script shipped
in the package: nothing is fetched from the network and no server is needed. ``vtract run`` and
``vtract demo`` call it at the end; ``vtract report OUT_DIR`` re-runs it, rebuilding only the pages
whose session changed.
"""

from ._write import REPORT_DIR, write_report

__all__ = ["write_report", "REPORT_DIR"]
