//! rtnetlink behind a blocking handle.
//!
//! The boot is sequential, so each call runs to completion on a current-thread tokio
//! runtime owned by [`Netlink`]; the connection task is spawned on the same runtime
//! and makes progress while `block_on` drives a request (kata's `netlink::Handle`).
//! "Already exists" answers (EEXIST) count as success so steps stay idempotent;
//! every other error is returned.

use std::net::IpAddr;

use anyhow::{anyhow, Context, Result};
use futures::TryStreamExt;
use osr_core::ip::Mac;
use rtnetlink::Handle;
use tokio::runtime::Runtime;

pub struct Netlink {
    pub(super) rt: Runtime,
    pub(super) handle: Handle,
}

impl Netlink {
    pub fn new() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .context("starting the tokio runtime for netlink")?;
        let handle = rt.block_on(async {
            let (conn, handle, _) =
                rtnetlink::new_connection().context("opening a NETLINK_ROUTE socket")?;
            tokio::spawn(conn);
            Ok::<_, anyhow::Error>(handle)
        })?;
        Ok(Netlink { rt, handle })
    }

    pub fn index(&self, name: &str) -> Result<u32> {
        self.rt.block_on(async {
            let mut links = self
                .handle
                .link()
                .get()
                .match_name(name.to_string())
                .execute();
            match links.try_next().await {
                Ok(Some(link)) => Ok(link.header.index),
                Ok(None) => Err(anyhow!("no interface {name}")),
                Err(e) => Err(e).with_context(|| format!("looking up interface {name}")),
            }
        })
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        let index = self.index(from)?;
        self.rt
            .block_on(
                self.handle
                    .link()
                    .set(index)
                    .down()
                    .name(to.to_string())
                    .execute(),
            )
            .with_context(|| format!("renaming {from} to {to}"))
    }

    pub fn link_up(&self, name: &str, mtu: Option<u32>, mac: Option<Mac>) -> Result<()> {
        let index = self.index(name)?;
        self.rt.block_on(async {
            if let Some(mac) = mac {
                let req = self.handle.link().set(index).address(mac.0.to_vec());
                req.execute()
                    .await
                    .with_context(|| format!("setting MAC {mac} on {name}"))?;
            }
            if let Some(mtu) = mtu {
                let req = self.handle.link().set(index).mtu(mtu);
                req.execute()
                    .await
                    .with_context(|| format!("setting MTU {mtu} on {name}"))?;
            }
            let req = self.handle.link().set(index).up();
            req.execute()
                .await
                .with_context(|| format!("bringing {name} up"))
        })
    }

    pub fn add_address(&self, name: &str, addr: IpAddr, prefix: u8) -> Result<()> {
        let index = self.index(name)?;
        let res = self
            .rt
            .block_on(self.handle.address().add(index, addr, prefix).execute());
        allow_exists(res).with_context(|| format!("adding address {addr}/{prefix} to {name}"))
    }

    pub fn add_route(
        &self,
        name: &str,
        dest: Option<(IpAddr, u8)>,
        gateway: Option<IpAddr>,
    ) -> Result<()> {
        let index = self.index(name)?;
        let what = || match (dest, gateway) {
            (Some((d, p)), Some(g)) => format!("route {d}/{p} via {g} dev {name}"),
            (Some((d, p)), None) => format!("route {d}/{p} dev {name}"),
            (None, Some(g)) => format!("default route via {g} dev {name}"),
            (None, None) => format!("default route dev {name}"),
        };
        let route = self.handle.route().add().output_interface(index);
        let res = self.rt.block_on(async {
            match (dest, gateway) {
                (Some((IpAddr::V6(_), _)), _) | (None, Some(IpAddr::V6(_))) => {
                    let mut r = route.v6();
                    if let Some((IpAddr::V6(d), p)) = dest {
                        r = r.destination_prefix(d, p);
                    }
                    if let Some(IpAddr::V6(g)) = gateway {
                        r = r.gateway(g);
                    }
                    r.execute().await
                }
                _ => {
                    let mut r = route.v4();
                    if let Some((IpAddr::V4(d), p)) = dest {
                        r = r.destination_prefix(d, p);
                    }
                    if let Some(IpAddr::V4(g)) = gateway {
                        r = r.gateway(g);
                    }
                    r.execute().await
                }
            }
        });
        allow_exists(res).with_context(what)
    }
}

fn allow_exists(res: Result<(), rtnetlink::Error>) -> Result<()> {
    match res {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(msg)) if msg.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(e.into()),
    }
}
