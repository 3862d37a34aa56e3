//! Ports and a minimal HTTP probe (std only: no HTTP client just to poll one URL).

use anyhow::{anyhow, Result};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A TCP port on 127.0.0.1 that is free right now (the kernel picks it).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| anyhow!("cannot open a TCP port on 127.0.0.1: {e} — check the loopback network"))?;
    Ok(listener.local_addr()?.port())
}

pub fn is_free(addr: SocketAddr) -> bool {
    TcpListener::bind(addr).is_ok()
}

/// True if something accepts TCP connections on 127.0.0.1:`port`.
pub fn answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// The status code of `GET http://<addr><path>`, or None if there is no HTTP answer.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 32];
    let read = stream.read(&mut head).ok()?;
    status_code(&head[..read])
}

/// `GET http://<addr><path>` with extra header lines: the status and the body. HTTP/1.0, so the
/// body is never chunked and ends when the server closes the connection.
pub fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| anyhow!("cannot connect to {addr}: {e} — is the server running?"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("{addr}{path} answered no HTTP head"))?;
    let status = status_code(&response[..split]).ok_or_else(|| anyhow!("{addr}{path} answered no status line"))?;
    Ok((status, response[split + 4..].to_vec()))
}

/// Reads the code from a status line such as `HTTP/1.1 200 OK`.
fn status_code(response: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(response).ok()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|version| version.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_code_reads_the_status_line() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\ncontent-length: 2"), Some(200));
        assert_eq!(status_code(b"HTTP/1.1 503 Service Unavailable"), Some(503));
        assert_eq!(status_code(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(status_code(b""), None);
    }

    #[test]
    fn http_status_talks_to_a_real_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 256];
            let read = stream.read(&mut request).unwrap();
            assert!(request[..read].starts_with(b"GET /readyz HTTP/1.1\r\n"));
            stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        });
        assert_eq!(http_status(addr, "/readyz"), Some(204));
        server.join().unwrap();
    }

    #[test]
    fn a_free_port_is_free_until_someone_binds_it() {
        let port = free_port().unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(is_free(addr));
        let _taken = TcpListener::bind(addr).unwrap();
        assert!(!is_free(addr));
        assert!(answers(port));
    }
}
