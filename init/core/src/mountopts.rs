//! Mount options as mount(8) takes them: one door for every option string osr-rs is
//! given (`rootflags=`, the `:<options>` of `root=nfs:`, `mountopts=`, cluster.conf's
//! `<rootvolume mountopts>` and `<filesystem mountopts>`).
//!
//! [`parse`] sorts a comma-separated list the way util-linux's libmount does
//! (`libmount/src/optmap.c`, and mount(8) "FILESYSTEM-INDEPENDENT MOUNT OPTIONS"):
//! - options that are mount(2) flags become [`MountFlags`] (`noatime`, `nosuid`,
//!   `sync`, ...); the negated form clears the flag and the later one wins;
//! - `ro` and `rw` are kept apart, as [`MountOptions::read_only`] (last one wins),
//!   since whether a root is read-only also depends on the command line's `ro`/`rw`;
//! - fstab and mount(8) bookkeeping words mean nothing to the kernel and are dropped
//!   (`defaults`, `auto`, `noauto`, `user`, `users`, `owner`, `group` and their `no`
//!   forms, `_netdev`, `nofail`, `comment=`, `uhelper=`, `x-*`, `X-*`);
//! - options by which mount(8) does something else than one mount(2) of a filesystem
//!   (`bind`, `rbind`, `remount`, the propagation types `shared`, `private`, `slave`,
//!   `unbindable` and their `r` forms, `loop`, `offset=`, `sizelimit=`, `encryption=`,
//!   `verity.*`, `helper=`) are collected in [`MountOptions::unsupported`] for the
//!   caller to refuse by name: osr-rs never guesses what such a mount should become;
//! - everything else, in order, is the filesystem's ([`MountOptions::data`]), including
//!   the SELinux `context=` family, which the kernel parses.
//!
//! Not supported: mount(8)'s implied flags for `user`/`users`/`owner`/`group` (they
//! apply only to mounts by ordinary users, never to PID 1's); the `=recursive` forms
//! of the new mount API. Commas inside double quotes do not split, as in libmount
//! (`context="a,b"`); the quotes stay in the option.

/// mount(2)'s filesystem-independent flags, without `MS_RDONLY` (see
/// [`MountOptions::read_only`]). A pure set: the executor maps it to `MS_*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MountFlags(u32);

impl MountFlags {
    pub const NOSUID: Self = Self(1);
    pub const NODEV: Self = Self(1 << 1);
    pub const NOEXEC: Self = Self(1 << 2);
    pub const SYNCHRONOUS: Self = Self(1 << 3);
    pub const MANDLOCK: Self = Self(1 << 4);
    pub const DIRSYNC: Self = Self(1 << 5);
    pub const NOSYMFOLLOW: Self = Self(1 << 6);
    pub const NOATIME: Self = Self(1 << 7);
    pub const NODIRATIME: Self = Self(1 << 8);
    pub const SILENT: Self = Self(1 << 9);
    pub const RELATIME: Self = Self(1 << 10);
    pub const I_VERSION: Self = Self(1 << 11);
    pub const STRICTATIME: Self = Self(1 << 12);
    pub const LAZYTIME: Self = Self(1 << 13);

    /// Every flag with the option that sets it, in mount(8)'s spelling.
    pub const ALL: [(Self, &'static str); 14] = [
        (Self::NOSUID, "nosuid"),
        (Self::NODEV, "nodev"),
        (Self::NOEXEC, "noexec"),
        (Self::SYNCHRONOUS, "sync"),
        (Self::MANDLOCK, "mand"),
        (Self::DIRSYNC, "dirsync"),
        (Self::NOSYMFOLLOW, "nosymfollow"),
        (Self::NOATIME, "noatime"),
        (Self::NODIRATIME, "nodiratime"),
        (Self::SILENT, "silent"),
        (Self::RELATIME, "relatime"),
        (Self::I_VERSION, "iversion"),
        (Self::STRICTATIME, "strictatime"),
        (Self::LAZYTIME, "lazytime"),
    ];

    pub const fn empty() -> Self {
        Self(0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn insert(&mut self, other: Self) {
        self.0 |= other.0;
    }

    pub fn remove(&mut self, other: Self) {
        self.0 &= !other.0;
    }

    /// The options that set these flags, in [`Self::ALL`]'s order: for plans and logs.
    pub fn names(self) -> Vec<&'static str> {
        Self::ALL
            .iter()
            .filter(|(f, _)| self.contains(*f))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// One option string, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountOptions {
    pub flags: MountFlags,
    /// The flags a negation (`atime`, `suid`, ...) cleared and no later option set:
    /// what [`MountOptions::extend`] clears in the options it overrides.
    pub cleared: MountFlags,
    /// `Some(true)` for `ro`, `Some(false)` for `rw`, the last one given; `None` if
    /// neither was.
    pub read_only: Option<bool>,
    /// The filesystem's options, in order: mount(2)'s data argument, comma-joined.
    pub data: Vec<String>,
    /// Options by which mount(8) does something else than mount a filesystem (see the
    /// module doc); a caller refuses them with [`MountOptions::refuse_unsupported`].
    pub unsupported: Vec<String>,
}

impl MountOptions {
    /// mount(2)'s data argument: the filesystem's options, comma-joined.
    pub fn data_string(&self) -> String {
        self.data.join(",")
    }

    /// An error text (the form expected, for a `ParamError`) if any option is one
    /// mount(8) acts on itself.
    pub fn refuse_unsupported(&self) -> Result<(), String> {
        match self.unsupported.as_slice() {
            [] => Ok(()),
            opts => Err(format!(
                "mount options of one filesystem mount, got {}: mount(8) does those itself \
                 (a bind, remount or propagation change, a loop or verity device, a helper), \
                 which osr-init does not",
                opts.join(",")
            )),
        }
    }

    /// Options given later override these ones, as in one longer list.
    pub fn extend(&mut self, later: MountOptions) {
        self.flags.remove(later.cleared);
        self.flags.insert(later.flags);
        self.cleared.remove(later.flags);
        self.cleared.insert(later.cleared);
        self.read_only = later.read_only.or(self.read_only);
        self.data.extend(later.data);
        self.unsupported.extend(later.unsupported);
    }
}

/// libmount's `linux_flags_map`, `ro`/`rw` and the operations aside: (option, flag,
/// whether the option sets it or clears it).
const FLAG_OPTIONS: &[(&str, MountFlags, bool)] = &[
    ("nosuid", MountFlags::NOSUID, true),
    ("suid", MountFlags::NOSUID, false),
    ("nodev", MountFlags::NODEV, true),
    ("dev", MountFlags::NODEV, false),
    ("noexec", MountFlags::NOEXEC, true),
    ("exec", MountFlags::NOEXEC, false),
    ("sync", MountFlags::SYNCHRONOUS, true),
    ("async", MountFlags::SYNCHRONOUS, false),
    ("dirsync", MountFlags::DIRSYNC, true),
    ("mand", MountFlags::MANDLOCK, true),
    ("nomand", MountFlags::MANDLOCK, false),
    ("nosymfollow", MountFlags::NOSYMFOLLOW, true),
    ("symfollow", MountFlags::NOSYMFOLLOW, false),
    ("noatime", MountFlags::NOATIME, true),
    ("atime", MountFlags::NOATIME, false),
    ("nodiratime", MountFlags::NODIRATIME, true),
    ("diratime", MountFlags::NODIRATIME, false),
    ("silent", MountFlags::SILENT, true),
    ("loud", MountFlags::SILENT, false),
    ("relatime", MountFlags::RELATIME, true),
    ("norelatime", MountFlags::RELATIME, false),
    ("iversion", MountFlags::I_VERSION, true),
    ("noiversion", MountFlags::I_VERSION, false),
    ("strictatime", MountFlags::STRICTATIME, true),
    ("nostrictatime", MountFlags::STRICTATIME, false),
    ("lazytime", MountFlags::LAZYTIME, true),
    ("nolazytime", MountFlags::LAZYTIME, false),
];

/// libmount's `userspace_opts_map` words that only fstab and mount(8) read.
const DROPPED: &[&str] = &[
    "defaults", "auto", "noauto", "user", "nouser", "users", "nousers", "owner", "noowner",
    "group", "nogroup", "_netdev", "nofail",
];
const DROPPED_PREFIXES: &[&str] = &["user=", "comment=", "uhelper=", "x-", "X-"];

/// Options mount(8) acts on itself rather than passing to one mount(2).
const OPERATIONS: &[&str] = &[
    "bind",
    "rbind",
    "remount",
    "move",
    "rmove",
    "shared",
    "rshared",
    "private",
    "rprivate",
    "slave",
    "rslave",
    "unbindable",
    "runbindable",
    "loop",
];
const OPERATION_PREFIXES: &[&str] = &[
    "loop=",
    "offset=",
    "sizelimit=",
    "encryption=",
    "verity.",
    "helper=",
];

/// Sorts `opts` (comma-separated, as fstab and `mount -o` take them; empty items
/// ignored) into flags, `ro`/`rw`, the filesystem's data and what is not an option of
/// one mount. Never fails: refusing [`MountOptions::unsupported`] is the caller's call.
pub fn parse(opts: &str) -> MountOptions {
    let mut out = MountOptions::default();
    for o in split(opts) {
        if let Some((_, flag, set)) = FLAG_OPTIONS.iter().find(|(n, _, _)| *n == o) {
            if *set {
                out.flags.insert(*flag);
                out.cleared.remove(*flag);
            } else {
                out.flags.remove(*flag);
                out.cleared.insert(*flag);
            }
        } else if o == "ro" || o == "rw" {
            out.read_only = Some(o == "ro");
        } else if DROPPED.contains(&o) || DROPPED_PREFIXES.iter().any(|p| o.starts_with(p)) {
        } else if OPERATIONS.contains(&o) || OPERATION_PREFIXES.iter().any(|p| o.starts_with(p)) {
            out.unsupported.push(o.to_string());
        } else {
            out.data.push(o.to_string());
        }
    }
    out
}

/// Splits at commas outside double quotes; drops empty items.
fn split(s: &str) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    s.split(move |c| {
        if c == '"' {
            quoted = !quoted;
        }
        c == ',' && !quoted
    })
    .filter(|o| !o.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mount(8), FILESYSTEM-INDEPENDENT MOUNT OPTIONS (util-linux 2.39), with
    /// libmount's optmap.c for the flag each one sets or clears.
    #[test]
    fn mount8_table() {
        let f = MountFlags::empty;
        let cases: &[(&str, MountFlags, MountFlags)] = &[
            // (option, flags it sets from none, flags left from all)
            ("async", f(), all_but(MountFlags::SYNCHRONOUS)),
            ("sync", MountFlags::SYNCHRONOUS, all()),
            ("atime", f(), all_but(MountFlags::NOATIME)),
            ("noatime", MountFlags::NOATIME, all()),
            ("diratime", f(), all_but(MountFlags::NODIRATIME)),
            ("nodiratime", MountFlags::NODIRATIME, all()),
            ("dirsync", MountFlags::DIRSYNC, all()),
            ("dev", f(), all_but(MountFlags::NODEV)),
            ("nodev", MountFlags::NODEV, all()),
            ("exec", f(), all_but(MountFlags::NOEXEC)),
            ("noexec", MountFlags::NOEXEC, all()),
            ("suid", f(), all_but(MountFlags::NOSUID)),
            ("nosuid", MountFlags::NOSUID, all()),
            ("iversion", MountFlags::I_VERSION, all()),
            ("noiversion", f(), all_but(MountFlags::I_VERSION)),
            ("mand", MountFlags::MANDLOCK, all()),
            ("nomand", f(), all_but(MountFlags::MANDLOCK)),
            ("relatime", MountFlags::RELATIME, all()),
            ("norelatime", f(), all_but(MountFlags::RELATIME)),
            ("strictatime", MountFlags::STRICTATIME, all()),
            ("nostrictatime", f(), all_but(MountFlags::STRICTATIME)),
            ("lazytime", MountFlags::LAZYTIME, all()),
            ("nolazytime", f(), all_but(MountFlags::LAZYTIME)),
            ("silent", MountFlags::SILENT, all()),
            ("loud", f(), all_but(MountFlags::SILENT)),
            ("nosymfollow", MountFlags::NOSYMFOLLOW, all()),
            ("symfollow", f(), all_but(MountFlags::NOSYMFOLLOW)),
        ];
        for (opt, from_none, from_all) in cases {
            let alone = parse(opt);
            assert_eq!(alone.flags, *from_none, "option {opt} alone");
            assert!(alone.data.is_empty(), "option {opt}: {:?}", alone.data);
            assert_eq!(alone.read_only, None, "option {opt}");
            let names = MountFlags::ALL.map(|(_, n)| n).join(",");
            let after_all = parse(&format!("{names},{opt}"));
            assert_eq!(after_all.flags, *from_all, "option {opt} after all flags");
        }
        let every = MountFlags::ALL.iter().fold(f(), |a, (b, _)| a.union(*b));
        assert_eq!(all(), every, "every flag has its option");
    }

    fn all() -> MountFlags {
        parse(&MountFlags::ALL.map(|(_, n)| n).join(",")).flags
    }

    fn all_but(flag: MountFlags) -> MountFlags {
        let mut a = all();
        a.remove(flag);
        a
    }

    #[test]
    fn ro_rw_last_wins() {
        for (opts, want) in [
            ("", None),
            ("ro", Some(true)),
            ("rw", Some(false)),
            ("ro,noatime,rw", Some(false)),
            ("rw,ro", Some(true)),
        ] {
            let got = parse(opts);
            assert_eq!(got.read_only, want, "options {opts:?}");
            assert!(got.data.is_empty(), "options {opts:?}");
        }
    }

    #[test]
    fn fstab_words_dropped() {
        let opts = "defaults,auto,noauto,user,user=joe,nouser,users,nousers,owner,noowner,\
                    group,nogroup,_netdev,nofail,comment=systemd.automount,uhelper=udisks,\
                    x-systemd.device-timeout=0,X-mount.mkdir";
        let got = parse(opts);
        assert_eq!(got, MountOptions::default(), "{opts}");
        assert_eq!(parse("defaults,noatime").flags, MountFlags::NOATIME);
    }

    #[test]
    fn operations_collected_and_refused() {
        let got = parse("bind,noatime,rshared,loop=/dev/loop0,verity.roothash=ab,data=ordered");
        assert_eq!(
            got.unsupported,
            ["bind", "rshared", "loop=/dev/loop0", "verity.roothash=ab"]
        );
        assert_eq!(got.data, ["data=ordered"]);
        assert_eq!(got.flags, MountFlags::NOATIME);
        let err = got.refuse_unsupported().unwrap_err();
        assert!(err.contains("got bind,rshared,loop=/dev/loop0"), "{err}");
        assert!(parse("remount").refuse_unsupported().is_err());
        assert_eq!(parse("noatime,vers=3").refuse_unsupported(), Ok(()));
    }

    #[test]
    fn filesystem_options_kept_in_order() {
        let got = parse(",vers=3,,nolock,noatime,tcp,context=\"system_u:object_r:a,b\",ro");
        assert_eq!(
            got.data,
            [
                "vers=3",
                "nolock",
                "tcp",
                "context=\"system_u:object_r:a,b\""
            ]
        );
        assert_eq!(
            got.data_string(),
            "vers=3,nolock,tcp,context=\"system_u:object_r:a,b\""
        );
        assert_eq!(got.flags, MountFlags::NOATIME);
        assert_eq!(got.read_only, Some(true));
        // case matters, as in mount(8): NOATIME is the filesystem's business
        assert_eq!(parse("NOATIME").data, ["NOATIME"]);
    }

    #[test]
    fn later_list_overrides() {
        let mut a = parse("noatime,nosuid,ro,vers=3");
        a.extend(parse("atime,rw,tcp"));
        assert_eq!(a.flags, MountFlags::NOSUID);
        assert_eq!(a.read_only, Some(false));
        assert_eq!(a.data, ["vers=3", "tcp"]);
        a.extend(parse("noatime"));
        assert_eq!(a.flags, MountFlags::NOSUID.union(MountFlags::NOATIME));
        let mut b = parse("ro");
        b.extend(parse("noexec"));
        assert_eq!(b.read_only, Some(true));
        assert_eq!(b.flags.names(), ["noexec"]);
        assert_eq!(
            parse("relatime,nodev,lazytime").flags.names(),
            ["nodev", "relatime", "lazytime"]
        );
    }
}
