#!/usr/bin/python3
"""A small DHCPv4 server for the netns tests (python3 stdlib only).

usage: fake-dhcp-server.py --iface IF --addr A.B.C.D --mode MODE --log FILE [--ready FILE]
                           [--variants NAME,...] [--flood-secs S]

Listens on UDP 0.0.0.0:67 bound to IF (SO_BINDTODEVICE), logs every request it receives and
answers by broadcast to 255.255.255.255:68 according to MODE:

  silent     never answers (a server that is down: the client's timeout and retransmissions)
  nak-first  OFFERs NAK_ADDR1; NAKs the first REQUEST; from then on OFFERs and ACKs NAK_ADDR2
  rogue      answers every DISCOVER and REQUEST at once with broken replies, each of which a
             client must ignore (see ROGUE_VARIANTS, or only those --variants names); never
             sends a valid reply
  spoof      never OFFERs; answers at once every REQUEST that names another server with
             well-formed replies the client must ignore (SPOOF_VARIANTS, or --variants): an
             ACK or NAK without a server identifier, or with its own (an ACK carrying its own
             router, root path and hostname '..')
  flood      on the first DISCOVER, sends OFFERs with the client's xid and chaddr but no
             server identifier (so the client decodes each one, then ignores it), ~1400 bytes
             of options, as fast as it can from 2 processes for --flood-secs (default 10);
             then "FLOOD END sent=N secs=S" per process

--addr is this server's address (its server identifier, option 54).

Log lines (one per event, flushed at once), for the tests to assert on:
  READY iface=IF addr=A
  RECV <TYPE> t=<monotonic s> xid=0x.. chaddr=aa:bb:.. flags=0x.... ciaddr=A req=A|- sid=A|- prl=1,3,..
  SEND <TYPE> variant=<name> xid=0x.. yiaddr=A len=<bytes>
  BADREQ <reason> len=<bytes>        (something on port 67 that is not a DHCP request)
A client that accepted a rogue reply gives itself away: its REQUEST names the rogue as server
(sid=<rogue addr>) and asks for the variant's address (req=10.66.0.2xx, see ROGUE_VARIANTS).
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"
TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
         7: "RELEASE", 8: "INFORM"}
DISCOVER, OFFER, REQUEST, ACK, NAK = 1, 2, 3, 5, 6
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)

NAK_ADDR1 = "10.66.0.77"
NAK_ADDR2 = "10.66.0.78"

# rogue variants: name -> the address it offers (how a client that took it is recognised)
ROGUE_VARIANTS = [
    ("wrong-xid", "10.66.0.201"),       # xid of another transaction
    ("wrong-chaddr", "10.66.0.202"),    # chaddr of another client
    ("bootrequest", "10.66.0.203"),     # op = BOOTREQUEST (1) instead of BOOTREPLY
    ("truncated", "10.66.0.204"),       # cut in the middle of the options (inside an option)
    ("option-overrun", "10.66.0.205"),  # complete packet, one option's length runs past the end
    ("garbage-1500", "10.66.0.206"),    # valid type/server-id, then 1500 bytes of garbage options
    ("no-cookie", "10.66.0.207"),       # no magic cookie (options as if it were there)
]

# spoof variants (answers to a REQUEST for another server)
SPOOF_VARIANTS = ["ack-no-sid", "ack-own-sid", "nak-no-sid", "nak-own-sid"]


def ip2b(a):
    return socket.inet_aton(a)


def b2ip(b):
    return socket.inet_ntoa(b)


def opt(code, data):
    return bytes([code, len(data)]) + data


def parse_options(buf):
    """Options of a request (strict: returns None when malformed)."""
    opts = {}
    i = 0
    while i < len(buf):
        c = buf[i]
        if c == 0:
            i += 1
            continue
        if c == 255:
            return opts
        if i + 1 >= len(buf) or i + 2 + buf[i + 1] > len(buf):
            return None
        opts[c] = buf[i + 2:i + 2 + buf[i + 1]]
        i += 2 + buf[i + 1]
    return opts  # no END: tolerated for requests


class Request:
    def __init__(self, pkt):
        if len(pkt) < 240:
            raise ValueError("short")
        (self.op, self.htype, self.hlen, _hops, self.xid, self.secs, self.flags) = \
            struct.unpack("!BBBBIHH", pkt[:12])
        self.ciaddr = pkt[12:16]
        self.giaddr = pkt[24:28]
        self.chaddr = pkt[28:44]
        if self.op != 1:
            raise ValueError("op=%d" % self.op)
        if pkt[236:240] != MAGIC:
            raise ValueError("no magic cookie")
        opts = parse_options(pkt[240:])
        if opts is None:
            raise ValueError("malformed options")
        self.opts = opts
        t = opts.get(53)
        if not t or len(t) != 1:
            raise ValueError("no message type")
        self.type = t[0]

    def mac(self):
        return ":".join("%02x" % b for b in self.chaddr[:self.hlen if 0 < self.hlen <= 16 else 6])

    def req_addr(self):
        r = self.opts.get(50)
        if r and len(r) == 4:
            return b2ip(r)
        if self.ciaddr != b"\0\0\0\0":
            return b2ip(self.ciaddr)
        return None

    def sid(self):
        s = self.opts.get(54)
        return b2ip(s) if s and len(s) == 4 else None


def bootreply(req, yiaddr, options, op=2, xid=None, chaddr=None, cookie=MAGIC, siaddr="0.0.0.0"):
    hdr = struct.pack("!BBBBIHH", op, 1, 6, 0, req.xid if xid is None else xid, 0, req.flags)
    hdr += b"\0\0\0\0" + ip2b(yiaddr) + ip2b(siaddr) + req.giaddr
    hdr += (req.chaddr if chaddr is None else chaddr)
    hdr += b"\0" * 64 + b"\0" * 128  # sname, file
    assert len(hdr) == 236
    return hdr + cookie + options


class Server:
    def __init__(self, a):
        self.a = a
        self.addr = a.addr
        self.log = open(a.log, "a", buffering=1)
        self.naks = 0
        self.flooding = False
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, a.iface.encode() + b"\0")
        self.s.bind(("0.0.0.0", 67))
        self.say("READY iface=%s addr=%s mode=%s" % (a.iface, a.addr, a.mode))
        if a.ready:
            open(a.ready, "w").close()

    def say(self, line):
        self.log.write(line + "\n")

    def send(self, req, kind, variant, yiaddr, pkt):
        self.s.sendto(pkt, ("255.255.255.255", 68))
        self.say("SEND %s variant=%s xid=0x%08x yiaddr=%s len=%d" % (kind, variant, req.xid, yiaddr, len(pkt)))

    def common(self, mtype, lease=600):
        return (opt(53, bytes([mtype])) + opt(54, ip2b(self.addr)) + opt(51, struct.pack("!I", lease))
                + opt(1, ip2b("255.255.255.0")) + opt(3, ip2b(self.addr)))

    # ---------------------------------------------------------------- nak-first
    def nak_first(self, req):
        offer = NAK_ADDR1 if self.naks == 0 else NAK_ADDR2
        if req.type == DISCOVER:
            self.send(req, "OFFER", "normal", offer,
                      bootreply(req, offer, self.common(OFFER) + b"\xff"))
        elif req.type == REQUEST:
            if req.sid() not in (None, self.addr):
                return  # the client chose another server
            if self.naks == 0 or req.req_addr() != NAK_ADDR2:
                self.naks += 1
                self.send(req, "NAK", "normal", "0.0.0.0",
                          bootreply(req, "0.0.0.0", opt(53, bytes([NAK])) + opt(54, ip2b(self.addr))
                                    + opt(56, b"fake server: NAK as the test asks") + b"\xff"))
            else:
                self.send(req, "ACK", "normal", NAK_ADDR2,
                          bootreply(req, NAK_ADDR2, self.common(ACK) + b"\xff"))

    # ---------------------------------------------------------------- rogue
    def rogue(self, req):
        if req.type not in (DISCOVER, REQUEST):
            return
        mtype = OFFER if req.type == DISCOVER else ACK
        kind = TYPES[mtype]
        for name, yi in ROGUE_VARIANTS:
            if self.a.variants and name not in self.a.variants:
                continue
            if req.type == REQUEST and req.req_addr():
                yi_use = req.req_addr()  # a rogue ACK for what the client asked
            else:
                yi_use = yi
            good = self.common(mtype)
            if name == "wrong-xid":
                pkt = bootreply(req, yi_use, good + b"\xff", xid=req.xid ^ 0x5A5A5A5A)
            elif name == "wrong-chaddr":
                ch = bytearray(req.chaddr)
                ch[5] ^= 0xFF
                ch[4] ^= 0x11
                pkt = bootreply(req, yi_use, good + b"\xff", chaddr=bytes(ch))
            elif name == "bootrequest":
                pkt = bootreply(req, yi_use, good + b"\xff", op=1)
            elif name == "truncated":
                full = bootreply(req, yi_use, good + opt(6, ip2b("10.66.0.66") * 2)
                                 + opt(15, b"rogue.example") + b"\xff")
                # 53 (3 bytes) and 54 (6 bytes) complete, then cut 2 bytes into option 51's value
                pkt = full[:240 + 3 + 6 + 2 + 2]
            elif name == "option-overrun":
                pkt = bootreply(req, yi_use, good + bytes([6, 250]) + ip2b("10.66.0.66") + b"\xff")
            elif name == "garbage-1500":
                rnd = random.Random(0x05A1)
                head = opt(53, bytes([mtype])) + opt(54, ip2b(self.addr))
                junk = bytes(rnd.choice(range(1, 255)) for _ in range(1500 - len(head)))
                # no PAD/END bytes: read as options, the junk never ends cleanly (checked)
                assert parse_options(head + junk) is None
                pkt = bootreply(req, yi_use, head + junk)
            elif name == "no-cookie":
                pkt = bootreply(req, yi_use, good + b"\xff", cookie=b"\0\0\0\0")
            else:
                raise AssertionError(name)
            self.send(req, kind, name, yi_use, pkt)
        if req.type == REQUEST and not self.a.variants:
            # NAKs that are not for this client's transaction
            nak = opt(53, bytes([NAK])) + opt(54, ip2b(self.addr)) + b"\xff"
            self.send(req, "NAK", "nak-wrong-xid", "0.0.0.0",
                      bootreply(req, "0.0.0.0", nak, xid=req.xid ^ 0x00FF00FF))
            ch = bytearray(req.chaddr)
            ch[5] ^= 0x0F
            self.send(req, "NAK", "nak-wrong-chaddr", "0.0.0.0",
                      bootreply(req, "0.0.0.0", nak, chaddr=bytes(ch)))

    # ---------------------------------------------------------------- spoof
    def spoof(self, req):
        if req.type != REQUEST or req.sid() in (None, self.addr):
            return
        want = req.req_addr() or "0.0.0.0"
        for name in SPOOF_VARIANTS:
            if self.a.variants and name not in self.a.variants:
                continue
            sid = opt(54, ip2b(self.addr)) if name.endswith("own-sid") else b""
            if name.startswith("ack"):
                opts = (opt(53, bytes([ACK])) + sid + opt(51, struct.pack("!I", 600))
                        + opt(1, ip2b("255.255.255.0")) + opt(3, ip2b(self.addr))
                        + opt(12, b"..") + opt(17, ("%s:/evil/%%s" % self.addr).encode()) + b"\xff")
                self.send(req, "ACK", name, want, bootreply(req, want, opts))
            else:
                opts = opt(53, bytes([NAK])) + sid + opt(56, b"spoofed NAK") + b"\xff"
                self.send(req, "NAK", name, "0.0.0.0", bootreply(req, "0.0.0.0", opts))

    # ---------------------------------------------------------------- flood
    def flood(self, req):
        if req.type != DISCOVER or self.flooding:
            return
        self.flooding = True
        # many small unknown options: cheap to send, each one decoded by the client
        opts = opt(53, bytes([OFFER])) + opt(51, struct.pack("!I", 600))
        code = 128
        while len(opts) < 1400:
            opts += opt(code, bytes([code]) * 5)
            code = code + 1 if code < 254 else 128
        pkt = bootreply(req, "10.66.0.250", opts + b"\xff")
        self.say("FLOOD START xid=0x%08x len=%d secs=%s" % (req.xid, len(pkt), self.a.flood_secs))
        children = []
        for _ in range(self.a.flood_procs):
            pid = os.fork()
            if pid == 0:
                t0 = time.monotonic()
                n = 0
                while time.monotonic() - t0 < self.a.flood_secs:
                    for _ in range(100):
                        try:
                            self.s.sendto(pkt, ("255.255.255.255", 68))
                            n += 1
                        except OSError:
                            pass  # ENOBUFS: the queue is full, which is the point
                self.say("FLOOD END sent=%d secs=%.1f" % (n, time.monotonic() - t0))
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)

    def run(self):
        while True:
            pkt, src = self.s.recvfrom(65535)
            try:
                req = Request(pkt)
            except ValueError as e:
                self.say("BADREQ %s len=%d from=%s:%d" % (e, len(pkt), src[0], src[1]))
                continue
            prl = req.opts.get(55, b"")
            self.say("RECV %s t=%.3f xid=0x%08x chaddr=%s flags=0x%04x ciaddr=%s req=%s sid=%s prl=%s src=%s:%d"
                     % (TYPES.get(req.type, str(req.type)), time.monotonic(), req.xid, req.mac(),
                        req.flags, b2ip(req.ciaddr), req.req_addr() or "-", req.sid() or "-",
                        ",".join(str(b) for b in prl) or "-", src[0], src[1]))
            if self.a.mode == "nak-first":
                self.nak_first(req)
            elif self.a.mode == "rogue":
                self.rogue(req)
            elif self.a.mode == "spoof":
                self.spoof(req)
            elif self.a.mode == "flood":
                self.flood(req)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--mode", required=True, choices=["silent", "nak-first", "rogue", "spoof", "flood"])
    p.add_argument("--log", required=True)
    p.add_argument("--ready")
    p.add_argument("--variants", help="rogue, spoof: only these variants (comma separated)")
    p.add_argument("--flood-secs", type=float, default=10.0, help="flood: how long")
    p.add_argument("--flood-procs", type=int, default=2, help="flood: sending processes")
    a = p.parse_args()
    names = [n for n, _ in ROGUE_VARIANTS] + SPOOF_VARIANTS
    a.variants = a.variants.split(",") if a.variants else []
    for v in a.variants:
        if v not in names:
            p.error("unknown variant %r (variants: %s)" % (v, ", ".join(names)))
    try:
        Server(a).run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
