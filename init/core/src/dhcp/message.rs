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
    // The option being read, with the length of its RFC 3396 run so far: dhcproto
    // joins consecutive options of one code into one value.
    let mut run: Option<(u8, usize)> = None;
    loop {
        let code = packet.get(i).copied();
        if let Some((prev, len)) = run {
            if code != Some(prev) {
                check_length(prev, len)?;
                run = None;
            }
        }
        match code {
            None => return Err(Reject::Malformed("options end without END (255)".into())),
            Some(255) => return Ok(()),
            Some(0) => i += 1,
            Some(code) => {
                let len = packet.get(i + 1).map(|l| usize::from(*l));
                match len {
                    Some(len) if i + 2 + len <= packet.len() => {
                        i += 2 + len;
                        let before = run.map_or(0, |(_, l)| l);
                        run = Some((code, before + len));
                    }
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

/// The options whose length dhcproto `debug_assert!`s rather than checks (a debug
/// build panics, a release one misreads them): their RFC lengths.
fn check_length(code: u8, len: usize) -> Result<(), Reject> {
    let ok = match code {
        80 => len == 0,        // Rapid Commit (RFC 4039)
        81 => len >= 3,        // Client FQDN (RFC 4702)
        94 => len == 3,        // Client Network Interface (RFC 4578)
        152..=155 => len == 4, // Bulk Leasequery times (RFC 6926)
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(Reject::Malformed(format!("option {code} of {len} bytes")))
    }
}

pub(super) fn encode(msg: &Message) -> Vec<u8> {
    // Encoding our own well-formed message cannot fail; an empty datagram would
    // only be dropped by the server.
    msg.to_vec().unwrap_or_default()
}
