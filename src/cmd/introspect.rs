//! (to be written)

use super::table::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
