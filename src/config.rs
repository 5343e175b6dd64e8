use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
#[derive(clap::Parser, Debug)]
pub struct Cli { #[arg(long)] pub port: Option<u16>, #[arg(long)] pub shards: Option<usize>, #[arg(long)] pub appendonly: Option<String> }
#[derive(Clone, Debug)]
pub struct Config { pub port: u16, pub bind: Vec<String>, pub shards: usize, pub requirepass: Option<String>, pub databases: usize, pub dir: PathBuf, pub loglevel: String, pub protected_mode: bool, pub maxclients: usize, pub proto_max_bulk_len: usize, pub client_query_buffer_limit: usize, pub hz: u32, pub io_memory: usize, pub appendonly: bool }
impl Default for Config { fn default() -> Self { Config { port: 6379, bind: vec!["127.0.0.1".into()], shards: 0, requirepass: None, databases: 16, dir: "./ringkv-data".into(), loglevel: "notice".into(), protected_mode: true, maxclients: 10000, proto_max_bulk_len: 512<<20, client_query_buffer_limit: 1<<30, hz: 10, io_memory: 256*1024, appendonly: true } } }
impl Config { pub fn from_cli(c: &Cli) -> Result<Config, String> { let mut x = Config::default(); if let Some(p)=c.port { x.port=p; } if let Some(s)=c.shards { x.shards=s; } Ok(x) } }
pub struct SharedConfig { inner: RwLock<Arc<Config>>, gen: AtomicU64 }
impl SharedConfig {
    pub fn new(c: Config) -> Arc<SharedConfig> { Arc::new(SharedConfig { inner: RwLock::new(Arc::new(c)), gen: AtomicU64::new(0) }) }
    pub fn load(&self) -> Arc<Config> { self.inner.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone()) }
    pub fn generation(&self) -> u64 { self.gen.load(Ordering::Acquire) }
}
// STUB
