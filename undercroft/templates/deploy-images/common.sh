# Sourced by each deploy image's configure.sh, inside the debootstrapped root (podman run
# --rootfs): no docs, man pages or locales are ever unpacked, no service starts during
# the install, and apt runs without questions or recommended packages.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
cat > /etc/dpkg/dpkg.cfg.d/undercroft-nodoc <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/linda/*
path-exclude=/usr/share/bash-completion/*
path-exclude=/usr/share/zsh/*
path-exclude=/usr/share/fish/*
CFG
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt_install() {
    apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$@"
}
# What an image never needs at run time: package lists and caches, logs of the build.
strip_root() {
    rm -f /usr/sbin/policy-rc.d
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old \
        /var/lib/dpkg/*-old /var/log/* /tmp/* /var/tmp/* /root/.cache
    rm -rf /usr/share/doc/*/[!c]* /usr/share/man /usr/share/info /usr/share/lintian
    find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    : > /etc/machine-id  # each boot makes its own
    rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
}
