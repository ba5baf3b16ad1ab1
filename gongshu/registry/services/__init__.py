"""The registry's services, one job per module: ``rules`` (the rule table and its
citations), ``common`` (today, who may act, the history), ``deposit`` (存证),
``codes`` (the lookup code), ``workflow`` (the procedure and its due dates),
``lifecycle`` (validity, renewal, expiry, revocation), ``timers`` (what is due),
``products`` (data products, registered before sale)."""
