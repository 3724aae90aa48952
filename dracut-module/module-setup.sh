#!/bin/bash
# dracut module "osr-rs" (installed as modules.d/95osr-rs by `make install`).
#
# Builds an initramfs whose /init is osr-init, the statically linked Rust PID 1 of osr-rs:
# it loads the NIC and NFS modules, configures the network from ip=/BOOTIF=, mounts the NFS
# root given by root=/nfsroot= and switch_roots into it.
#
#   dracut --no-hostonly -m osr-rs --kver "$KVER" initrd.img   # osr-init and nothing else
#   dracut --no-hostonly -a osr-rs --kver "$KVER" initrd.img   # on top of dracut's defaults
#
# The binary comes from /usr/sbin/osr-init (make install), or from $OSR_INIT_BINARY if set
# (tests that build images without installing).

# shellcheck disable=SC2154  # initdir, dracutsysrootdir, hostonly: set by dracut

# the osr-init binary to put into the image
osr_rs_binary() {
    printf '%s\n' "${OSR_INIT_BINARY:-/usr/sbin/osr-init}"
}

# called by dracut; only included when asked for (-m / -a / add_dracutmodules+=)
check() {
    local _bin
    _bin=$(osr_rs_binary)
    if [[ ! -x $_bin ]]; then
        derror "osr-rs: $_bin is missing: run 'make install' (or set OSR_INIT_BINARY)"
        return 1
    fi
    return 255
}

# called by dracut
depends() {
    return 0
}

# the driver modules of the host's network interfaces: the device's own driver and the
# drivers of its parents (e.g. virtio_net and the virtio_pci transport under it)
osr_rs_host_nic_modules() {
    local _dev _d _m
    for _dev in /sys/class/net/*/device; do
        [[ -e $_dev ]] || continue
        _d=$(readlink -f "$_dev")
        while [[ $_d == /sys/devices/* ]]; do
            if [[ -e $_d/driver/module ]]; then
                _m=$(readlink -f "$_d/driver/module")
                printf '%s\n' "${_m##*/}"
            fi
            _d=${_d%/*}
        done
    done | sort -u
}

# called by dracut
installkernel() {
    local _mods
    if [[ ${osr_nic_drivers-} ]]; then
        # the admin named the NIC drivers (dracut.conf: osr_nic_drivers="mlx5_core ixgbe"):
        # a cluster whose nodes are all alike needs no other, and the image shrinks by
        # the ~40 MB (unpacked) of drivers/net/ethernet
        # shellcheck disable=SC2086
        hostonly='' instmods virtio_pci $osr_nic_drivers
    elif [[ $hostonly ]]; then
        # hostonly: only the NIC drivers this host uses (they are loaded, so hostonly
        # filtering keeps them)
        _mods=$(osr_rs_host_nic_modules)
        if [[ $_mods ]]; then
            # shellcheck disable=SC2086
            instmods $_mods
        else
            dwarn "osr-rs: hostonly: no network interface of this host has a modular driver; no NIC driver installed"
        fi
    else
        instmods virtio_pci virtio_net e1000 e1000e =drivers/net/ethernet
    fi
    # the NFS root and the overlay are always needed, whether or not the host has them loaded;
    # bond=, vlan= and bridge= need their drivers (small: about 400 KB together)
    hostonly='' instmods nfs nfsv3 nfsv4 sunrpc overlay bonding 8021q bridge
}

# called by dracut
install() {
    local _bin _bb _a _p _have
    _bin=$(osr_rs_binary)

    inst_simple "$_bin" /usr/sbin/osr-init || {
        dfatal "osr-rs: cannot install $_bin"
        return 1
    }
    chmod 0755 "${initdir}/usr/sbin/osr-init"

    # /init must be osr-init.  Modules installed before us (00systemd with -a) may have made
    # /init a symlink, and 99base later runs `inst_script init.sh /init`, which leaves an
    # existing /init alone (dracut-install does not overwrite without --force).
    rm -f -- "${initdir}/init"
    ln -s usr/sbin/osr-init "${initdir}/init"

    # busybox for the emergency shell (/bin/sh) and a shell user's tools
    _bb=""
    for _p in /bin/busybox /usr/bin/busybox /sbin/busybox /usr/sbin/busybox; do
        [[ -x $dracutsysrootdir$_p ]] && _bb=$_p && break
    done
    if [[ $_bb ]]; then
        if [[ -e ${initdir}/bin/busybox || -L ${initdir}/bin/busybox ]]; then
            :
        else
            inst "$_bb" /bin/busybox
        fi
        for _a in $("$dracutsysrootdir$_bb" --list); do
            case $_a in
                busybox | init | linuxrc) continue ;;
            esac
            _have=""
            for _p in bin sbin usr/bin usr/sbin; do
                if [[ -e ${initdir}/$_p/$_a || -L ${initdir}/$_p/$_a ]]; then
                    _have=1
                    break
                fi
            done
            [[ $_have ]] || ln -s busybox "${initdir}/bin/$_a"
        done
    else
        dwarn "osr-rs: no busybox on this host: the image has no emergency shell"
    fi

    # The cluster configuration: a node of an open-sharedroot cluster finds its node id
    # (nodeid=, com-nodeid=, its NICs' MACs), network and root in /etc/cluster/cluster.conf.
    # dracut.conf: osr_cluster_conf="/path/on/the/build/host/cluster.conf" installs that file
    # as /etc/cluster/cluster.conf (a missing file fails the build); without the setting, the
    # build host's own /etc/cluster/cluster.conf is installed when it exists.  An image
    # without the file boots a node that is no cluster node (root= and ip= only).
    if [[ ${osr_cluster_conf-} ]]; then
        if [[ ! -f $osr_cluster_conf ]]; then
            dfatal "osr-rs: osr_cluster_conf=$osr_cluster_conf: no such file"
            return 1
        fi
        inst_simple "$osr_cluster_conf" /etc/cluster/cluster.conf || {
            dfatal "osr-rs: cannot install $osr_cluster_conf as /etc/cluster/cluster.conf"
            return 1
        }
    elif [[ -f $dracutsysrootdir/etc/cluster/cluster.conf ]]; then
        inst_simple "$dracutsysrootdir/etc/cluster/cluster.conf" /etc/cluster/cluster.conf
    fi

    # mount points and the console
    mkdir -p "${initdir}"/{dev,proc,sys,run,sysroot,tmp,etc}
    if [[ ! -c ${initdir}/dev/console ]] && [[ $EUID == 0 ]]; then
        mknod -m 0600 "${initdir}/dev/console" c 5 1 || :
    fi
}
