//! Compiling loaded manifests into the IR.
