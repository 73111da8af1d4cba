"""``/dispatch``: the dispatchers' bookings."""
