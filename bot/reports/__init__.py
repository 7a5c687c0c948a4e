"""Weekly summaries and staff digests: the week, the scope, the figures, the files.

``week`` and ``scope`` say what a report covers; ``data`` loads the figures (aggregate SQL in
``storage.reports``); ``sections`` turns them into localized tables, one builder per sheet;
``files`` writes the workbook, the CSV files and the charts; ``digest`` writes the short
per-village text staff get; ``delivery`` sends both on their schedules, once.
"""
