"""treatywatch: the service (config, sources, pipeline, scheduler, channels, CLI)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
