"""Every write of conversion, by subject: ``catalogue`` (programmes and courses),
``course_import`` (courses from a spreadsheet), ``rules`` (drafting rule versions) and
``review`` (a version's lifecycle: submit, expert panel, opinions, approve, publish, retire),
``applications`` (a learner's conversion application, from submission to the ledger) and
``conversion_ledger`` (the conversion ledger's invariants, for ``check_ledger``)."""
