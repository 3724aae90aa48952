//! The root's stack: the interface that carries the address and every bond slave,
//! bridge port and VLAN parent below it, each with its [`Role`].

use super::sanitize::is_iface;
use super::LinkState;
use crate::netdev::Netdev;

/// How an interface of the stack relates to the one above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role {
    /// Carries the address.
    Root,
    BondSlave {
        bond: String,
        primary: bool,
    },
    BridgePort {
        bridge: String,
    },
    /// Parent of this VLAN; may carry other VLANs, has no address of ours.
    VlanParent {
        vlan: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Node<'a> {
    pub(super) name: String,
    pub(super) role: Role,
    pub(super) dev: Option<&'a Netdev>,
}

/// The root interface and everything below it, top first. `None` when a name is not
/// safe to write into files, or the devices loop.
pub(super) fn stack<'a>(s: &'a LinkState, notes: &mut Vec<String>) -> Option<Vec<Node<'a>>> {
    let mut nodes: Vec<Node<'a>> = Vec::new();
    let mut todo = vec![(s.iface.clone(), Role::Root)];
    while let Some((name, role)) = todo.pop() {
        if !is_iface(&name) {
            notes.push(format!(
                "interface name {name:?} left out: expected 1-15 letters, digits, '-', '_', '.'"
            ));
            return None;
        }
        if nodes.iter().any(|n| n.name == name) {
            notes.push(format!(
                "interface {name} appears twice in the root's stack"
            ));
            return None;
        }
        let dev = s.netdevs.iter().find(|d| d.name() == name);
        let mut lower: Vec<(String, Role)> = match dev {
            Some(Netdev::Bond(b)) => {
                let primary = b
                    .options
                    .iter()
                    .find(|(k, _)| k == "primary")
                    .map(|(_, v)| v.as_str());
                b.slaves
                    .iter()
                    .map(|l| {
                        let role = Role::BondSlave {
                            bond: name.clone(),
                            primary: primary == Some(l.as_str()),
                        };
                        (l.clone(), role)
                    })
                    .collect()
            }
            Some(Netdev::Bridge(b)) => b
                .ports
                .iter()
                .map(|l| {
                    (
                        l.clone(),
                        Role::BridgePort {
                            bridge: name.clone(),
                        },
                    )
                })
                .collect(),
            Some(Netdev::Vlan(v)) => {
                vec![(v.parent.clone(), Role::VlanParent { vlan: name.clone() })]
            }
            None => Vec::new(),
        };
        lower.reverse();
        todo.extend(lower);
        nodes.push(Node { name, role, dev });
    }
    Some(nodes)
}
