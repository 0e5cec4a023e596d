"""Every write of conversion, by subject: ``catalogue`` (programmes and courses),
``course_import`` (courses from a spreadsheet), ``rules`` (drafting rule versions) and
``review`` (a version's lifecycle: submit, expert panel, opinions, approve, publish, retire)."""
