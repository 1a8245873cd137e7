"""Typed schema of service templates, roles and environment files (pydantic)."""
from undercroft.model.schema import (
    ConfigFile,
    ContainerTemplate,
    Database,
    Environment,
    ParameterDef,
    Role,
    ServiceTemplate,
)
from undercroft.model.loader import Catalog, load_catalog, load_environment, load_role

__all__ = [
    "Catalog", "ConfigFile", "ContainerTemplate", "Database", "Environment", "ParameterDef",
    "Role", "ServiceTemplate", "load_catalog", "load_environment", "load_role",
]
