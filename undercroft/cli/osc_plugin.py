"""python-openstackclient plugin: ``openstack undercloud install|plan|status|...``.

OSC loads commands from the entry point group ``openstack.undercroft.v1``; they are the
same classes as the ``undercroft`` commands and need no authentication.
"""
API_NAME = "undercroft"
API_VERSION_OPTION = "os_undercroft_api_version"
API_VERSIONS = {"1": "undercroft.cli.osc_plugin"}
DEFAULT_API_VERSION = "1"


def make_client(instance):
    return None


def build_option_parser(parser):
    return parser
