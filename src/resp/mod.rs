//! RESP: a pure, incremental parser (`parse`), the reply value (`reply`) and
//! its encoder for RESP2 and RESP3 (`encode`). No I/O here.

pub mod encode;
pub mod parse;
pub mod reply;

pub use encode::{encode, Protocol};
pub use parse::{Commands, ParseLimits, Parser};
pub use reply::Reply;
