"""The API's permission: ``kam.capabilities.CapabilityPermission`` (re-exported here)."""

from kam.capabilities import CapabilityPermission, requires

__all__ = ["CapabilityPermission", "requires"]
