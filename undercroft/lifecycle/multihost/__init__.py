"""Multi-host deploys through Ansible: an inventory and a step-ordered playbook.

``export.py`` writes, per host, the inputs a local deploy reads (its undercloud.conf
with its address and role, the roles file, the environment files, the cloud's shared
addresses and the passwords, generated once) and a playbook that runs
``undercroft install --step N`` on every host before step N+1 anywhere. Each host renders
its own configuration from the same templates and converges with the same config
hashes, so a re-run changes nothing there either. ``run.py`` runs the playbook with
ansible-playbook and prints the hosts' progress through a callback plugin (``files/``,
package data copied next to the playbook).

A workflow, not a runtime: it loads every host's deployment (``lifecycle.deployment``)
and has each host's own undercroft converge it; no container or process is started here.
"""
