bonding
8021q
bridge
<name>:<parent> with the VLAN id in the name: vlan0005, vlan5, <parent>.0005 or <parent>.5
<name>:<port>,<port>... (bare 'bridge' is br0:eth0)
off
maxval
default
on
balance-rr
active-backup
balance-xor
broadcast
802.3ad
balance-tlb
balance-alb
mode
packets_per_slave
xmit_hash_policy
layer2
layer3+4
layer2+3
encap2+3
encap3+4
vlan+srcmac
arp_validate
none
active
backup
all
filter
filter_active
filter_backup
arp_all_targets
any
fail_over_mac
follow
arp_interval
arp_missed_max
minval
arp_ip_target
ns_ip6_target
downdelay
updelay
lacp_active
lacp_rate
slow
fast
min_links
ad_select
stable
bandwidth
count
num_unsol_na
num_grat_arp
miimon
primary
primary_reselect
always
better
failure
use_carrier
all_slaves_active
resend_igmp
lp_interval
tlb_dynamic_lb
ad_actor_sys_prio
ad_actor_system
ad_user_port_key
peer_notif_delay
coupled_control
bond0
eth0
eth1
{BOND_FORM}, got {} ':'-separated fields
slave
{VLAN_FORM}, got '{value}'
{VLAN_FORM}, got the name '{name}'
a VLAN id 1-4094 in the name, got '{name}'
vlan
br0
port
{BRIDGE_FORM}, got '{value}'
a comma-separated list of {what} interfaces, got '{list}'
each {what} listed once, got {name} twice
an MTU between 68 and 65535, got '{v}'
bonding options as <option>=<value>,<option>=<value>..., got '{item}'
a known bonding option ({}), got '{name}'
, 
each bonding option once, got {name} twice
{name}=<a MAC address like 02-00-00-00-00-01>, got '{value}'
IPv4
IPv6
{} or 0-{}
|
{min}-{max} or {}
an interface name
{name}=<{form}>, got '{value}'
,
{name}=<{family} address>[;<{family} address>...] (at most {MAX_TARGETS}, IPv6 in []), got '{value}'
+{a}
devices that are not built on each other in a cycle, got {}
each device defined once, got {} twice
each interface enslaved to one master, got {lower} in {other} and {}
bare bond
name only
bond1
slaves
bond0:ens1,ens2,ens3
ens1
ens2
ens3
one slave
bond0:ens1
options
bond0:eth0,eth1:mode=active-backup,miimon=100,primary=eth1
100
empty options field, trailing comma
bond0:eth0,eth1:
numeric mode, lacp and arp targets with ';'
bond0:eth0,eth1:mode=4,lacp_rate=fast,arp_ip_target=10.0.0.1;10.0.0.2,
4
10.0.0.1,10.0.0.2
mtu
bond0:eth0,eth1:mode=802.3ad,xmit_hash_policy=layer3+4:9000
mtu without options
bond0:eth0,eth1::1500
kernel value names
bond0:eth0:miimon=maxval,num_grat_arp=default,use_carrier=0,ad_actor_system=02-00-00-00-00-01,ns_ip6_target=[fd00::1];[fd00::2]:9000
0
02:00:00:00:00:01
fd00::1,fd00::2
case {label}: '{input}'
five fields
bond0:eth0:mode=1:1500:x
<name>[:<slave>
empty name
:eth0,eth1
interface name
bad name
bo/nd:eth0
empty slave list
bond0::mode=1
list of slave interfaces
empty slave
bond0:eth0,,eth1
slave twice
bond0:eth0,eth0
each slave listed once
unknown option
bond0:eth0:speed=10
a known bonding option (mode, 
no '='
bond0:eth0:mode
<option>=<value>
bad mode
bond0:eth0:mode=fast
mode=<balance-rr|active-backup
mode out of range
bond0:eth0:mode=7
or 0-6
miimon not a number
bond0:eth0:miimon=-1
miimon=<0-2147483647
bond0:eth0:lacp_rate=medium
slow|fast
bad arp target
bond0:eth0:arp_ip_target=10.0.0.1;x
arp_ip_target=<IPv4
ipv6 arp target
bond0:eth0:arp_ip_target=[fd00::1]
unbracketed ipv6
bond0:eth0:ns_ip6_target=fd00::1
fields
bad mac
bond0:eth0:ad_actor_system=02-00
a MAC address like
option twice
bond0:eth0:miimon=1,miimon=2
miimon twice
bad primary
bond0:eth0:primary=a/b
primary=<an interface name>
bad mtu
bond0:eth0::12
MTU between 68 and 65535
case {label}: '{err}' lacks '{needle}'
10.0.0.1
;
bond0:eth0:arp_ip_target={many}
at most 16
{err}
bond0:eth0,eth1:miimon=100,arp_ip_target=10.0.0.1;10.0.0.2,mode=active-backup,primary=eth1
+10.0.0.1
+10.0.0.2
VLAN_PLUS_VID
vlan0005:eth0
vlan0005
VLAN_PLUS_VID_NO_PAD
vlan5:eth0
vlan5
DEV_PLUS_VID
eth0.0005:eth0
eth0.0005
DEV_PLUS_VID_NO_PAD
eth0.5:eth0
eth0.5
decimal, not octal
vlan0010:eth0
vlan0010
on a bond
bond0.100:bond0
bond0.100
highest id
vlan4094:eth0
vlan4094
case {label}
bare vlan
<name>:<parent>
no parent
three fields
vlan5:eth0:x
no id in name
mgmt:eth0
got the name 'mgmt'
vlan without digits
vlanx:eth0
got the name 'vlanx'
id 0
vlan0:eth0
VLAN id 1-4094
id 4095
eth0.4095:eth0
id overflow
vlan99999:eth0
bad parent
vlan5:a b
name too long
averylongname.55:eth0
bare bridge
br1:eth0,eth1.5
br1
eth1.5
<name>:<port>
br1:eth0:x
empty ports
br1:
list of port interfaces
port twice
br1:eth0,eth0
each port listed once
b r:eth0
VLAN on a bond, given first
bond0.5
bridge over a VLAN over a bond, given top down
independent devices keep their order
vlan7
eth2
eth3
two VLANs on one parent
eth0.6
nothing
case {label}: {e}
cycle
cycle, got bond0, br0
built on itself
cycle, got eth0.5
slave in two bonds
got eth1 in bond0 and bond1
bond slave and bridge port
got eth0 in bond0 and br0
same name twice
got vlan5 twice
eth2.7