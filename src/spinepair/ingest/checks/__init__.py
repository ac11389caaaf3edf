"""Cell and cross-table checks of one site's raw frames, one module per kind of check.

:mod:`.collector` registers checks and collects their failures; :mod:`.values` parses
and checks single values (types, vocabularies, ranges); :mod:`.keys` uniqueness and
orphans; :mod:`.date_order` the order of dates; :mod:`.plausibility` clinical
plausibility of doses and sentinel codes; :mod:`.identity` one person, one patient id.
"""
