DESC="the root has no /sbin/init, /etc/init, /bin/init or /bin/sh: clear error, poweroff"
KARGS="root=nfs4:10.0.2.2:/export/noinit ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off rd.emergency=poweroff"
EXPECT=fail
EXPECT_CONSOLE=(
    '/sbin/init|no [a-z ]*init|init[^ ]* (not found|missing|is missing)|(find|found|locate)[^.]* init'
    'reboot: Power down'
)
TIMEOUT=180
