"""Write paths: load records, call the domain, persist, record the audit trail."""
