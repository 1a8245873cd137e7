"""The operator's nodes: instackenv.json read and checked, and mapped to ironic's fields.

Pure code: the file is read here, nothing else. ``lifecycle/baremetal.py`` talks to
ironic and glance with what this package works out.
"""
