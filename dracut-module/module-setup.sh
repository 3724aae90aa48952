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
#
# dracut.conf settings read here:
#   osr_nic_drivers="mlx5_core ixgbe"   only these NIC drivers (see installkernel)
#   osr_filesystems="ext4 gfs2"         the block-root filesystems whose modules are installed
#                                       (default, also when empty: ext4 xfs btrfs squashfs
#                                       gfs2 ocfs2; other
#                                       names are taken as module names; "none": no block
#                                       root, neither disk drivers nor filesystems)
#   osr_cluster_conf="/path/cluster.conf"
#                                       the cluster.conf to embed (default: the build host's
#                                       /etc/cluster/cluster.conf, if any)
#   osr_cluster_conf_secrets=strip|keep what the embedded cluster.conf and dlm.conf keep of
#                                       their credentials.  strip (the default, also when
#                                       empty): none.  The image is served over TFTP/HTTP
#                                       without authentication, so anyone on the PXE network
#                                       could read the cluster's fence (power control)
#                                       passwords in it.  `osr-init strip-cluster-conf`
#                                       removes <fencedevices>, each node's <fence> and
#                                       <unfence>, <rm>, <fenceackserver>'s user and passwd,
#                                       every attribute named login, username, community,
#                                       key or psk or whose name contains passw or secret
#                                       (passwd, password, passwd_script,
#                                       snmp_priv_passwd...), and comments; everything else
#                                       is kept as written, paths to key files included.
#                                       `osr-init strip-dlm-conf` removes dlm.conf's
#                                       device, connect and unfence lines (fence devices and
#                                       their agents' arguments) and comments; its settings
#                                       stay.  Each removal is logged (never the value); a
#                                       cluster.conf osr-init cannot read fails the build.
#                                       osr-init uses none of what is removed.  keep: both
#                                       files as they are (with a warning: the image then
#                                       carries the credentials)
#   osr_cluster_stack=auto|dlm|none     the corosync + dlm_controld stack a GFS2 root with
#                                       lock_dlm needs (docs/cluster-stack.md).  auto (the
#                                       default): installed when the embedded cluster.conf has
#                                       a rootvolume or filesystem with fstype="gfs2", or a
#                                       block-device rootvolume without fstype; dlm:
#                                       always; none: never.  It goes to
#                                       /usr/lib/osr-rs/cluster-stack (binaries and their
#                                       libraries, plus the build host's /etc/dlm/dlm.conf if
#                                       there is one), which osr-init copies into the tmpfs the
#                                       daemons run in.  About 7.5 MB unpacked, 3.1 MB in a
#                                       zstd image (Debian 12).  OCFS2's o2cb stack is all in the kernel:
#                                       only its modules (with osr_filesystems' ocfs2).
#
# Block roots: the disk drivers (virtio, SCSI, NVMe, AHCI) and the filesystems of
# osr_filesystems (all six by default: ext4, xfs, btrfs, squashfs, gfs2 with dlm, ocfs2 with
# o2cb), unless osr_filesystems="none".

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
        # xen-netfront: a Xen guest's NIC (drivers/net, outside drivers/net/ethernet)
        instmods virtio_pci virtio_net e1000 e1000e xen-netfront =drivers/net/ethernet
    fi
    # the NFS root and the overlay are always needed, whether or not the host has them loaded;
    # bond=, vlan= and bridge= need their drivers (small: about 400 KB together)
    hostonly='' instmods nfs nfsv3 nfsv4 sunrpc overlay bonding 8021q bridge
    # block roots: the disk drivers and the filesystems of osr_filesystems (default: all
    # that osr-init recognises), whatever this host uses; instmods brings their
    # dependencies (scsi_mod, libata, jbd2, ocfs2_stackglue, btrfs's raid6 and
    # compressors...).  Debian 12's 6.1, all of them: about 19.6 MB unpacked, 4.0 MB in a
    # zstd image, half of it xfs and btrfs
    local _fs _fsmods=()
    for _fs in ${osr_filesystems:-ext4 xfs btrfs squashfs gfs2 ocfs2}; do
        case $_fs in
            none) return 0 ;;
            gfs2) _fsmods+=(configfs dlm gfs2) ;;
            ocfs2) _fsmods+=(configfs ocfs2 ocfs2_nodemanager ocfs2_stack_o2cb ocfs2_dlm ocfs2_dlmfs) ;;
            *) _fsmods+=("$_fs") ;;
        esac
    done
    hostonly='' instmods virtio_blk virtio_scsi sd_mod nvme ahci "${_fsmods[@]}"
}

# the cluster.conf the image embeds (see install), or nothing
osr_rs_cluster_conf_source() {
    if [[ ${osr_cluster_conf-} ]]; then
        printf '%s\n' "$osr_cluster_conf"
    elif [[ -f $dracutsysrootdir/etc/cluster/cluster.conf ]]; then
        printf '%s\n' "$dracutsysrootdir/etc/cluster/cluster.conf"
    fi
}

# whether the image gets corosync + dlm_controld (osr_cluster_stack, default auto)
osr_rs_wants_dlm_stack() {
    local _conf _text
    case ${osr_cluster_stack:-auto} in
        dlm) return 0 ;;
        none) return 1 ;;
        auto)
            _conf=$(osr_rs_cluster_conf_source)
            [[ $_conf && -f $_conf ]] || return 1
            # outside XML comments: a <rootvolume> or <filesystem> with fstype="gfs2", or a
            # block-device <rootvolume> with no fstype (osr-init probes it at boot: it may
            # be GFS2)
            _text=$(tr '\n' ' ' <"$_conf" | sed -E 's/<!--([^-]|-[^-])*-->//g')
            grep -Eq "fstype[[:space:]]*=[[:space:]]*[\"']gfs2[\"']" <<<"$_text" && return 0
            grep -Eo "<rootvolume[^>]*>" <<<"$_text" | grep -v "fstype[[:space:]]*=" |
                grep -Eq "name[[:space:]]*=[[:space:]]*[\"'](block:)?(/dev/|UUID=|LABEL=|PARTUUID=|PARTLABEL=)"
            ;;
        *)
            derror "osr-rs: osr_cluster_stack=$osr_cluster_stack: expected auto, dlm or none"
            return 2
            ;;
    esac
}

# corosync, dlm_controld and their tools with their libraries, in a tree of their own that
# osr-init copies into the daemons' tmpfs root (/.osr-cluster): they must keep running
# after switch_root empties the initramfs.  knet's crypto and compression plugins
# (dlopen'ed) are left out: the corosync.conf osr-init writes has crypto_cipher: none and
# no compression, and corosync 3.1.7 + knet 1.25 run without them.
osr_rs_install_dlm_stack() {
    # dracut's inst_* install under $initdir, which is readonly: dracut-install is called
    # with the tree as its destination root instead, with inst_multiple's options (-a: find
    # the programs in PATH, -l: their libraries)
    local _tree="${initdir}/usr/lib/osr-rs/cluster-stack"
    mkdir -p "$_tree"
    if ! "$DRACUT_INSTALL" ${dracutsysrootdir:+-r "$dracutsysrootdir"} -D "$_tree" -a -l \
        ${DRACUT_FIPS_MODE:+-f} \
        corosync corosync-quorumtool corosync-cfgtool corosync-cmapctl dlm_controld dlm_tool; then
        dfatal "osr-rs: cannot install the corosync/dlm_controld stack (osr_cluster_stack=${osr_cluster_stack:-auto}): are corosync and dlm-controld installed?"
        return 1
    fi
    if [[ -f $dracutsysrootdir/etc/dlm/dlm.conf ]]; then
        # the admin's dlm.conf wins over osr-init's (fencing off); fence agents are not in
        # the image
        osr_rs_embed dlm-conf "$dracutsysrootdir/etc/dlm/dlm.conf" "$_tree/etc/dlm/dlm.conf" ||
            return 1
        if grep -Eq '^[[:space:]]*device[[:space:]]' "$_tree/etc/dlm/dlm.conf"; then
            dwarn "osr-rs: /etc/dlm/dlm.conf names fence devices; their agents are not in the image"
        elif grep -Eq '^[[:space:]]*device[[:space:]]' "$dracutsysrootdir/etc/dlm/dlm.conf"; then
            dwarn "osr-rs: /etc/dlm/dlm.conf's fence devices are not in the image (osr_cluster_conf_secrets=keep keeps them, with their passwords); with enable_fencing on, lock recovery then waits for a fence that never comes (docs/cluster-stack.md)"
        fi
    fi
}

# osr_cluster_conf_secrets: strip (default) or keep
osr_rs_secrets() {
    case ${osr_cluster_conf_secrets:-strip} in
        strip | keep) printf '%s\n' "${osr_cluster_conf_secrets:-strip}" ;;
        *)
            derror "osr-rs: osr_cluster_conf_secrets=$osr_cluster_conf_secrets: expected strip or keep"
            return 1
            ;;
    esac
}

# embed the build host's cluster.conf or dlm.conf (KIND: cluster-conf or dlm-conf) SRC as
# DEST (a path in the image tree): without its credentials (osr-init strip-KIND), or as it
# is with osr_cluster_conf_secrets=keep.  Never the unstripped file when stripping fails.
osr_rs_embed() {
    local _kind=$1 _src=$2 _dest=$3 _mode _out _line
    _mode=$(osr_rs_secrets) || return 1
    mkdir -p "${_dest%/*}" || {
        dfatal "osr-rs: cannot create ${_dest%/*}"
        return 1
    }
    if [[ $_mode == keep ]]; then
        dwarn "osr-rs: osr_cluster_conf_secrets=keep: $_src goes into the image as it is; its fence and other passwords, if any, are then readable by anyone who can fetch the image"
        if ! { cp -- "$_src" "$_dest" && chmod 0644 "$_dest"; }; then
            dfatal "osr-rs: cannot install $_src"
            return 1
        fi
        return 0
    fi
    if ! _out=$("$(osr_rs_binary)" "strip-$_kind" "$_src" "$_dest" 2>&1); then
        rm -f -- "$_dest"
        dfatal "osr-rs: $_src: not embedded: $_out"
        return 1
    fi
    while IFS= read -r _line; do
        [[ $_line ]] && dinfo "osr-rs: $_line"
    done <<<"$_out"
    # (the loop's status is its last test's: a file with nothing to strip is no failure)
    return 0
}

# called by dracut.  Failures exit: dracut (059) ignores install()'s status
# (module_install's result is not checked), so `return 1` would still write an image,
# e.g. one without its cluster.conf, whose nodes then boot as no cluster node.
install() {
    local _bin _bb _a _p _have
    _bin=$(osr_rs_binary)

    inst_simple "$_bin" /usr/sbin/osr-init || {
        dfatal "osr-rs: cannot install $_bin"
        exit 1
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
    # without the file boots a node that is no cluster node (root= and ip= only).  The
    # credentials in it are removed (osr_cluster_conf_secrets, in the header).
    osr_rs_secrets >/dev/null || exit 1
    if [[ ${osr_cluster_conf-} ]]; then
        if [[ ! -f $osr_cluster_conf ]]; then
            dfatal "osr-rs: osr_cluster_conf=$osr_cluster_conf: no such file"
            exit 1
        fi
        osr_rs_embed cluster-conf "$osr_cluster_conf" "${initdir}/etc/cluster/cluster.conf" ||
            exit 1
    elif [[ -f $dracutsysrootdir/etc/cluster/cluster.conf ]]; then
        osr_rs_embed cluster-conf "$dracutsysrootdir/etc/cluster/cluster.conf" \
            "${initdir}/etc/cluster/cluster.conf" || exit 1
    fi

    osr_rs_wants_dlm_stack
    case $? in
        0) osr_rs_install_dlm_stack || exit 1 ;;
        1) ;;
        *) exit 1 ;;
    esac

    # mount points and the console
    mkdir -p "${initdir}"/{dev,proc,sys,run,sysroot,tmp,etc}
    if [[ ! -c ${initdir}/dev/console ]] && [[ $EUID == 0 ]]; then
        mknod -m 0600 "${initdir}/dev/console" c 5 1 || :
    fi
}
