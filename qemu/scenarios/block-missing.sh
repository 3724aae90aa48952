# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="block root: root=UUID= of a disk that is not there (the ext4 disk is): osr-init waits rd.retry=12 s, then says which devices it saw, and fails"
DISK=ext4.img
NFS=no
KARGS="root=UUID=00000000-dead-beef-0000-000000000000 rd.retry=12"
EXPECT=fail
EXPECT_CONSOLE=(
    'waiting for root device UUID=00000000-dead-beef-0000-000000000000'
    'root device UUID=00000000-dead-beef-0000-000000000000 not found after 12 s'
    # and the disk that is there was seen (not a missing driver)
    'block devices seen: .*vda \(ext4 UUID=0b5e1c2a-7d3f-4e6a-9c1b-2a3b4c5d6e7f LABEL=osrroot\)'
)
TIMEOUT=180
