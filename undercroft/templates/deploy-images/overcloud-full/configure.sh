#!/bin/sh
# The whole-disk OS image (Debian 13): kernel + initramfs, GRUB for BIOS boot, cloud-init
# reading the config drive (ironic's config-2 partition) or a NoCloud seed, openssh-server,
# and a serial console. The builder puts this root on an ext4 partition of a disk with
# an MBR partition table and writes GRUB to that disk; ROOT_UUID is the partition's UUID.
. "$(dirname "$0")/../common.sh"
: "${ROOT_UUID:?the builder sets ROOT_UUID}"

apt-get update -q
apt_install linux-image-amd64 initramfs-tools systemd-sysv \
    systemd-resolved systemd-timesyncd udev dbus kmod e2fsprogs \
    grub-pc-bin grub2-common cloud-init cloud-guest-utils openssh-server sudo \
    iproute2 iputils-ping netbase ca-certificates less procps

cat > /etc/fstab <<FSTAB
UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1
FSTAB
echo localhost > /etc/hostname

# Serial and VGA consoles, for the kernel and for GRUB (update-grub on the deployed
# system keeps these; the builder writes the first grub.cfg itself).
cat > /etc/default/grub <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1"
GRUB
kver=$(ls /lib/modules | sort -V | tail -n 1)
mkdir -p /boot/grub
cat > /boot/grub/grub.cfg <<CFG
serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1
terminal_input console serial
terminal_output console serial
set timeout=1
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $ROOT_UUID
menuentry 'Debian GNU/Linux 13' {
    linux /boot/vmlinuz-$kver root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200n8
    initrd /boot/initrd.img-$kver
}
CFG
# GRUB's modules beside its config: the core image in the MBR gap loads them from here.
mkdir -p /boot/grub/i386-pc
cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst /boot/grub/i386-pc/
# The core image (it finds this root by UUID) and the boot sector, where grub-install
# keeps them: the builder writes them into the disk file's MBR and the gap before
# partition 1, as grub-bios-setup does on a device.
cat > /tmp/early.cfg <<CFG
search --no-floppy --fs-uuid --set=root $ROOT_UUID
set prefix=(\$root)/boot/grub
CFG
grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img -c /tmp/early.cfg -p /boot/grub \
    biosdisk part_msdos ext2 search search_fs_uuid
cp /usr/lib/grub/i386-pc/boot.img /boot/grub/i386-pc/

# cloud-init: ironic's config drive first, then a NoCloud seed; networking by
# systemd-networkd, DNS by systemd-resolved (the builder links resolv.conf to its stub).
cat > /etc/cloud/cloud.cfg.d/90-undercroft.cfg <<'CFG'
datasource_list: [ConfigDrive, NoCloud, None]
system_info:
  network:
    renderers: ['networkd']
CFG
systemctl enable systemd-networkd.service systemd-resolved.service ssh.service
# sshd: keys only (cloud-init installs them); host keys are made on first boot.
cat > /etc/ssh/sshd_config.d/50-undercroft.conf <<'SSH'
PasswordAuthentication no
PermitRootLogin prohibit-password
SSH
strip_root
