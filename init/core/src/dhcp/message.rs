//! The wire format around dhcproto: the options we ask for, our maximum message
//! size, the well-formedness check a reply passes before dhcproto decodes it, and
//! encoding.

use dhcproto::v4::{Message, OptionCode};
use dhcproto::Encodable;

use super::Reject;

/// The largest reply we can take in one Ethernet frame (1500 - IP - UDP).
pub(super) const MAX_MESSAGE_SIZE: u16 = 1472;

/// What the client asks for (option 55), in the order of the list.
pub const REQUESTED: &[OptionCode] = &[
    OptionCode::SubnetMask,
    OptionCode::Router,
    OptionCode::DomainNameServer,
    OptionCode::Hostname,
    OptionCode::DomainName,
    OptionCode::RootPath,
    OptionCode::InterfaceMtu,
    OptionCode::BroadcastAddr,
    OptionCode::AddressLeaseTime,
    OptionCode::ServerIdentifier,
    OptionCode::TFTPServerName,
    OptionCode::BootfileName,
    OptionCode::DomainSearch,
    OptionCode::ClasslessStaticRoute,
];

/// The magic cookie, then options that each fit in the packet, up to an END.
pub(super) fn check_options(packet: &[u8]) -> Result<(), Reject> {
    const COOKIE: [u8; 4] = [99, 130, 83, 99];
    if packet.get(236..240) != Some(&COOKIE[..]) {
        return Err(Reject::Malformed("no DHCP magic cookie".into()));
    }
    let mut i = 240;
    loop {
        match packet.get(i) {
            None => return Err(Reject::Malformed("options end without END (255)".into())),
            Some(255) => return Ok(()),
            Some(0) => i += 1,
            Some(code) => {
                let len = packet.get(i + 1).map(|l| usize::from(*l));
                match len {
                    Some(len) if i + 2 + len <= packet.len() => i += 2 + len,
                    _ => {
                        return Err(Reject::Malformed(format!(
                            "option {code} runs past the end of the packet"
                        )))
                    }
                }
            }
        }
    }
}

pub(super) fn encode(msg: &Message) -> Vec<u8> {
    // Encoding our own well-formed message cannot fail; an empty datagram would
    // only be dropped by the server.
    msg.to_vec().unwrap_or_default()
}
