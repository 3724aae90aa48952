//! osr-init: PID 1 of the osr-rs initramfs (being written).

mod kmod;

fn main() {}
