"""cliff commands; the same classes serve ``undercroft ...`` and ``openstack undercloud ...``."""
