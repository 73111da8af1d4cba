"""The entry rules, one module per group; each rule takes a Context and returns a Check."""
