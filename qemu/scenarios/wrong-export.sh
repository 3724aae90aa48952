DESC="the server does not export the path: error naming server and path, then poweroff"
KARGS="root=nfs4:10.0.2.2:/export/nonexistent ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off rd.retry=10 rd.emergency=poweroff"
EXPECT=fail
EXPECT_CONSOLE=(
    '10\.0\.2\.2.*/export/nonexistent|/export/nonexistent.*10\.0\.2\.2'
    'reboot: Power down'
)
TIMEOUT=180
