//! Kernel module loader (placeholder, being written).
