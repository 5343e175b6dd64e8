//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, KeySpec};
use super::{args, session};
use crate::error::Error;
use crate::resp::Reply;
use crate::session::Session;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST, KeySpec::None, session(ping))
        .doc("connection", "1.0.0", "Returns the server's liveliness response.", "[message]"),
    CommandSpec::new("echo", 2, FAST, KeySpec::None, session(echo))
        .doc("connection", "1.0.0", "Returns the given string.", "message"),
    CommandSpec::new("quit", -1, ALLOW_BUSY | NO_AUTH | FAST | TX_CONTROL, KeySpec::None, session(quit))
        .doc("connection", "1.0.0", "Closes the connection.", ""),
    CommandSpec::new("select", 2, LOADING | STALE | FAST, KeySpec::None, session(select))
        .doc("connection", "1.0.0", "Changes the selected database.", "index"),
];

fn ping(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    match argv.len() {
        1 => Ok(Reply::status("PONG")),
        2 => Ok(Reply::Bulk(argv[1].clone())),
        _ => Err(Error::wrong_arity(&argv[0])),
    }
}

fn echo(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Bulk(argv[1].clone()))
}

fn quit(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    s.closing = true;
    Ok(Reply::Ok)
}

fn select(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let n = s.databases();
    s.db = args::db_index(&argv[1], n)?;
    Ok(Reply::Ok)
}
