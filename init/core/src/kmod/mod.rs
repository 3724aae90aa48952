//! Kernel module index (placeholder, being written).
