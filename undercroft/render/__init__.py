"""Parameters + role + templates -> concrete containers and config files (no host writes)."""
