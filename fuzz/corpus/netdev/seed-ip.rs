a MAC address like 52:54:00:12:34:56
{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}
01-aa-bb-cc-dd-ee-ff (ARP type 01 and a MAC)
01
dhcp
on
any
single-dhcp
dhcp6
auto6
either6
link6
a closing ']' after an IPv6 address
off
none
{what} as an IP address (field {}), got '{v}'
<peer>
<gw>
'none' or 'off' in field 7, got '{m}'
an MTU between 68 and 65535, got '{v}'
[:<mtu>][:<mac>] or :<dns1>[:<dns2>] after the method, got '{}'
:
a netmask like 255.255.255.0 or a prefix length 0-{max}, got '{s}'
.
..
an interface name of 1-15 characters without '/', ':' or spaces, got '{s}'
a hostname of letters, digits, '-' and '.', got '{s}'
<iface>:<mac>, like ifname=bootnet:52:54:00:12:34:56
<net>/<prefix>:<gw>[:<iface>], IPv6 in brackets
52:54:00:12:34:56
issue example
10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off
10.0.2.2
node1
eth0
10.0.2.15
mtu and mac
10.0.2.15:10.0.2.2:10.0.2.2:24::eth1:none:9000:52:54:00:12:34:56
eth1
mac without mtu
10.0.2.15:::24:::off::52-54-00-12-34-56
dns servers
10.0.2.15:::255.255.0.0:::off:10.0.2.3:10.0.2.4
10.0.2.3
10.0.2.4
kernel short form, classful mask
10.1.2.3
class C default
192.168.1.9::::::
192.168.1.9
ipv6 in brackets
[fd00::15]::[fd00::1]:64:n6:eth0:none
fd00::15
fd00::1
n6
10.0.0.1
case {label}: {input}
eth0:dhcp:1500
garbage
hello
<client>
bad gateway
10.0.2.15::10.0.2.x:24
bad mask
10.0.2.15:::255.0.255.0
netmask
prefix too long
10.0.2.15:::33
prefix length 0-32
bad method
10.0.2.15::::h:eth0:bogus
'none' or 'off'
dhcp with static client
10.0.2.15::::h:eth0:dhcp
static configuration
bad mtu
10.0.2.15::::h:eth0:off:12
MTU
bad iface
10.0.2.15::::h:a/b:off
interface name
bad hostname
10.0.2.15::::no_underscore:eth0:off
hostname
unclosed bracket
[fd00::1:::64
']'
case {label}: '{err}' lacks '{needle}'
52:54:00:12:34:57
01-52-54-00-12-34-57
02-52-54-00-12-34-57
01-52-54
boot0:52:54:00:12:34:57
boot0
192.168.0.0/16:10.0.2.1:eth0
192.168.0.0
10.0.2.1
[fd01::]/64:[fd00::1]
10.0.0.0:10.0.2.1