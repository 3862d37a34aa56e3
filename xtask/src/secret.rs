//! Random secrets: database passwords, the app's HMAC secret, unique names.

use anyhow::{anyhow, bail, Result};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// `bytes` random bytes from the kernel, hex-encoded (safe in URLs and file names).
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut urandom| urandom.read_exact(&mut buffer))
        .map_err(|e| anyhow!("cannot read /dev/urandom: {e} — this needs a Linux system"))?;
    Ok(hex::encode(buffer))
}

/// The secret stored in `path`, created (random, `bytes` long, readable only by us) if missing.
pub fn stored_secret(path: &Path, bytes: usize) -> Result<String> {
    match fs::read_to_string(path) {
        Ok(secret) if !secret.trim().is_empty() => return Ok(secret.trim().to_owned()),
        Ok(_) => bail!("{} is empty — delete it and run the command again", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot read {}: {e} — check its permissions", path.display()),
    }
    let secret = random_hex(bytes)?;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(format!("{secret}\n").as_bytes()))
        .map_err(|e| anyhow!("cannot write {}: {e} — check that its folder is writable", path.display()))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_two_digits_per_byte_and_differs() {
        let first = random_hex(16).unwrap();
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, random_hex(16).unwrap());
    }

    #[test]
    fn stored_secret_is_created_once_private_and_then_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-secret-{}", random_hex(6).unwrap()));
        fs::create_dir(&dir).unwrap();
        let path = dir.join("secret");
        let created = stored_secret(&path, 32).unwrap();
        assert_eq!(created.len(), 64);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(stored_secret(&path, 32).unwrap(), created);
        fs::remove_dir_all(&dir).unwrap();
    }
}
