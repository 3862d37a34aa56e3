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

/// `GET http://<addr><path>` with extra header lines: the status and the body.
pub fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Result<(u16, Vec<u8>)> {
    http_request(addr, "GET", path, headers, None)
}

/// One HTTP request with extra header lines and, if given, a body (sent with its
/// `Content-Length`): the status and the body. HTTP/1.0, so the answer is never chunked and
/// ends when the server closes the connection.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| anyhow!("cannot connect to {addr}: {e} — is the server running?"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&bytes)?;
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
    fn http_request_sends_the_method_headers_and_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 512];
            while !request.ends_with(b"{}") {
                let read = stream.read(&mut buffer).unwrap();
                assert!(read > 0, "the request ended early: {}", String::from_utf8_lossy(&request));
                request.extend_from_slice(&buffer[..read]);
            }
            let request = String::from_utf8(request).unwrap();
            assert!(request.starts_with("POST /things HTTP/1.0\r\n"), "{request}");
            assert!(request.contains("\r\nAuthorization: Bearer t\r\n"), "{request}");
            assert!(request.contains("\r\nContent-Length: 2\r\n\r\n{}"), "{request}");
            stream.write_all(b"HTTP/1.1 404 Not Found\r\n\r\nnope").unwrap();
        });
        let (status, body) =
            http_request(addr, "POST", "/things", &[("Authorization", "Bearer t")], Some(b"{}")).unwrap();
        assert_eq!((status, body.as_slice()), (404, b"nope".as_slice()));
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
