#!/bin/sh
# The ironic-python-agent ramdisk: Debian's ironic-python-agent package, a kernel, and
# systemd as the ramdisk's init, which brings up DHCP on every wired NIC
# (systemd-networkd) and starts the agent. The agent reads ipa-api-url and the rest of
# its settings from the kernel command line. The whole root becomes the initramfs, so
# what the agent never uses is left out (see omit below) or removed (strip_root).
. "$(dirname "$0")/../common.sh"

# Depends of ironic-python-agent 10.2.0 that the agent's code never calls (libguestfs and
# libvirt bindings, git, man-db, the burn-in load generators, tuned) bring in a qemu
# system emulator and a supermin appliance: several hundred MB. A local package provides
# their names instead. It also stands in for initramfs-tools: this root IS the
# initramfs, the kernel needs none of its own.
omit="libguestfs-tools python3-guestfs python3-libvirt git man-db fio stress-ng sysbench tuned linux-initramfs-tool"
mkdir -p /var/tmp/omit/DEBIAN
cat > /var/tmp/omit/DEBIAN/control <<CTL
Package: undercroft-ipa-omit
Version: 1
Architecture: all
Maintainer: Undercroft <undercroft@localhost>
Provides: $(echo $omit | sed 's/ /, /g')
Description: names of ironic-python-agent dependencies left out of the ramdisk
CTL
dpkg-deb --build /var/tmp/omit /var/tmp/undercroft-ipa-omit.deb
apt-get update -q
apt_install /var/tmp/undercroft-ipa-omit.deb
apt_install linux-image-amd64 systemd-sysv udev dbus kmod \
    iproute2 ca-certificates ironic-python-agent

# DHCP on every wired NIC; the agent waits for one address, not for all of them.
cat > /etc/systemd/network/80-undercroft-dhcp.network <<'NET'
[Match]
Type=ether
Name=en* eth*

[Network]
DHCP=yes

[DHCPv4]
ClientIdentifier=mac
NET
systemctl enable systemd-networkd.service
mkdir -p /etc/systemd/system/systemd-networkd-wait-online.service.d
cat > /etc/systemd/system/systemd-networkd-wait-online.service.d/undercroft.conf <<'UNIT'
[Service]
ExecStart=
ExecStart=/usr/lib/systemd/systemd-networkd-wait-online --any --timeout=120
UNIT

# The agent itself, logging to the console (serial) as well as the journal.
mkdir -p /etc/systemd/system/ironic-python-agent.service.d /var/lib/ironic-python-agent
cat > /etc/systemd/system/ironic-python-agent.service.d/undercroft.conf <<'UNIT'
[Unit]
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=
ExecStart=/usr/bin/ironic-python-agent --config-file=/etc/ironic-python-agent/ironic-python-agent.conf
StandardOutput=journal+console
StandardError=journal+console
Restart=always
RestartSec=5
UNIT
systemctl enable ironic-python-agent.service
echo ironic-python-agent > /etc/hostname

# The kernel runs /init from the initramfs: systemd, on the unpacked root.
ln -sf /sbin/init /init

# Kernel modules no ramdisk for bare metal provisioning loads: sound, video capture,
# graphics, wireless, bluetooth, CAN, staging drivers.
for kver in $(ls /lib/modules); do
    k=/lib/modules/$kver/kernel
    rm -rf $k/sound $k/drivers/media $k/drivers/gpu $k/drivers/staging \
        $k/drivers/net/wireless $k/net/wireless $k/net/mac80211 $k/net/bluetooth \
        $k/drivers/bluetooth $k/drivers/net/can $k/net/can $k/drivers/iio \
        $k/drivers/input/joystick $k/drivers/input/touchscreen $k/drivers/isdn
    depmod -a "$kver"
done
strip_root
# the kernel and its config stay in /boot for the builder to take out
