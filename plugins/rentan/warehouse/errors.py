"""What goes wrong reaching the warehouse: retried (WarehouseError) or not (ConfigurationError)."""


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or started."""


class ConfigurationError(WarehouseError):
    """No warehouse, or a wrong one, is configured: retrying cannot help; the message says what to set."""
