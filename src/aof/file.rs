//! One shard's append-only file, through glommio's io_uring buffered file:
//! open (reading what is there, for replay), append whole records at the
//! end, fdatasync, cut a torn tail.

use std::io;
use std::path::{Path, PathBuf};

use glommio::io::{BufferedFile, Directory, OpenOptions};

/// Reads of an existing file at start-up go in chunks of this size.
const READ_CHUNK: usize = 8 << 20;

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// An open append-only file and the length written so far.
pub struct AofFile {
    file: BufferedFile,
    path: PathBuf,
    len: u64,
}

impl AofFile {
    /// Opens `path` for appending (creating it) and returns it with its
    /// current contents.
    pub async fn open(path: &Path) -> io::Result<(AofFile, Vec<u8>)> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .buffered_open(path)
            .await
            .map_err(io_err)?;
        let size = file.file_size().await.map_err(io_err)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 30));
        while (bytes.len() as u64) < size {
            let want = (size - bytes.len() as u64).min(READ_CHUNK as u64) as usize;
            let got = file
                .read_at(bytes.len() as u64, want)
                .await
                .map_err(io_err)?;
            if got.is_empty() {
                break;
            }
            bytes.extend_from_slice(&got);
        }
        let len = bytes.len() as u64;
        Ok((
            AofFile {
                file,
                path: path.to_path_buf(),
                len,
            },
            bytes,
        ))
    }

    /// Creates `path` empty (truncating a leftover of that name): a
    /// rewrite's new file.
    pub async fn create(path: &Path) -> io::Result<AofFile> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .buffered_open(path)
            .await
            .map_err(io_err)?;
        Ok(AofFile {
            file,
            path: path.to_path_buf(),
            len: 0,
        })
    }

    /// Bytes in the file.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Cuts the file to `len` bytes (a torn tail) and makes that durable.
    pub async fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.truncate(len).await.map_err(io_err)?;
        self.file.fdatasync().await.map_err(io_err)?;
        self.len = len.min(self.len);
        Ok(())
    }

    /// Appends `buf` (whole records) at the end of the file. The write
    /// owns its buffer (io_uring), so the bytes are copied once into it.
    pub async fn append(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self
                .file
                .write_at(buf[done..].to_vec(), self.len)
                .await
                .map_err(io_err)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "AOF write wrote nothing",
                ));
            }
            self.len += n as u64;
            done += n;
        }
        Ok(())
    }

    /// Makes everything appended so far durable (fdatasync).
    pub async fn sync(&self) -> io::Result<()> {
        self.file.fdatasync().await.map_err(io_err)
    }

    pub async fn close(self) -> io::Result<()> {
        self.file.close().await.map_err(io_err)
    }
}

/// Makes a directory's entries (new files, a rename) durable.
pub async fn sync_dir(dir: &Path) -> io::Result<()> {
    let d = Directory::open(dir).await.map_err(io_err)?;
    d.sync().await.map_err(io_err)?;
    d.close().await.map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aof::record;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ringkv-aof-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn on_executor<F: std::future::Future<Output = ()> + 'static>(
        f: impl FnOnce() -> F + Send + 'static,
    ) {
        glommio::LocalExecutorBuilder::default()
            .spawn(move || async move { f().await })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn appends_survive_reopening_and_a_torn_tail_is_cut() {
        let dir = temp_dir("reopen");
        let path = dir.join("shard-0.1.aof");
        let p = path.clone();
        on_executor(move || async move {
            let (mut f, old) = AofFile::open(&p).await.unwrap();
            assert!(old.is_empty() && f.is_empty());
            let mut buf = Vec::new();
            for i in 0..1000u32 {
                record::encode(0, &[&b"SET"[..], &i.to_le_bytes(), &[7u8; 100]], &mut buf).unwrap();
            }
            let want = buf.clone();
            f.append(&buf).await.unwrap();
            f.sync().await.unwrap();
            // A torn append: half a record.
            let mut torn = Vec::new();
            record::encode(0, &[&b"SET"[..], b"x", b"y"], &mut torn).unwrap();
            torn.truncate(torn.len() / 2);
            f.append(&torn).await.unwrap();
            f.close().await.unwrap();
            sync_dir(p.parent().unwrap()).await.unwrap();

            let (mut f, bytes) = AofFile::open(&p).await.unwrap();
            let scan = record::scan(&bytes);
            assert_eq!(scan.records, 1000);
            assert_eq!(scan.good_end, want.len() as u64);
            assert_eq!(&bytes[..want.len()], &want[..]);
            f.truncate(scan.good_end).await.unwrap();
            assert_eq!(f.len(), want.len() as u64);
            f.close().await.unwrap();
            let (_, bytes) = AofFile::open(&p).await.unwrap();
            assert_eq!(bytes, want);
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
