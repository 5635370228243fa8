//! `polctl node`: the embedded tc classifier, the compiled maps, and the
//! kernel enforcing them.

mod classifier;
mod common;
mod dry_run;
mod enforcement;
mod object;
