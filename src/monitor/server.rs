//! The `/metrics` endpoint: a minimal HTTP/1.1 server on tokio, enough for Prometheus and
//! curl (GET or HEAD, `Connection: close`). No framework: one route, bounded request heads,
//! a read timeout, and a cap on concurrent connections, so a slow or hostile client cannot
//! hold the exporter.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{RwLock, Semaphore};

use crate::model::monitor::exposition::CONTENT_TYPE;

/// The largest request head read.
const MAX_HEAD: usize = 8 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 64;

/// Serve `metrics` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<RwLock<String>>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many connections to /metrics; dropping one");
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = handle(stream, &metrics).await {
                tracing::debug!(%peer, "metrics connection: {e}");
            }
            drop(permit);
        });
    }
}

async fn handle(mut stream: TcpStream, metrics: &RwLock<String>) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let complete = tokio::time::timeout(READ_TIMEOUT, async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<bool, std::io::Error>(false);
            }
            head.extend_from_slice(&buf[..n]);
            if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
                return Ok(true);
            }
            if head.len() > MAX_HEAD {
                return Ok(false);
            }
        }
    })
    .await;
    let response = match complete {
        Ok(Ok(true)) => respond(&head, metrics).await,
        Ok(Ok(false)) => plain(400, "Bad Request", "bad request\n", true),
        Ok(Err(e)) => return Err(e),
        Err(_) => plain(408, "Request Timeout", "request timeout\n", true),
    };
    stream.write_all(&response).await?;
    stream.shutdown().await
}

async fn respond(head: &[u8], metrics: &RwLock<String>) -> Vec<u8> {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let with_body = method != "HEAD";
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let body = metrics.read().await.clone();
            response(200, "OK", CONTENT_TYPE, &body, with_body)
        }
        ("GET" | "HEAD", "/") => plain(
            200,
            "OK",
            "mailq-tui watch: Prometheus metrics at /metrics\n",
            with_body,
        ),
        ("GET" | "HEAD", _) => plain(404, "Not Found", "not found; try /metrics\n", with_body),
        _ => plain(405, "Method Not Allowed", "only GET and HEAD\n", true),
    }
}

fn plain(code: u16, reason: &str, body: &str, with_body: bool) -> Vec<u8> {
    response(code, reason, "text/plain; charset=utf-8", body, with_body)
}

fn response(code: u16, reason: &str, content_type: &str, body: &str, with_body: bool) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
        body.len(),
        if code == 405 { "Allow: GET, HEAD\r\n" } else { "" }
    )
    .into_bytes();
    if with_body {
        r.extend_from_slice(body.as_bytes());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, req: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(req).await.expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn serves_metrics_and_refuses_the_rest() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let metrics = Arc::new(RwLock::new("mailq_tui_up 1\n".to_owned()));
        let task = tokio::spawn(serve(listener, metrics.clone()));
        let r = get(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("version=0.0.4"));
        assert!(r.ends_with("\r\n\r\nmailq_tui_up 1\n"), "{r}");
        *metrics.write().await = "mailq_tui_up 0\n".to_owned();
        let r = get(addr, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n").await;
        assert!(r.ends_with("mailq_tui_up 0\n"), "{r}");
        let r = get(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n").await;
        assert!(
            r.ends_with("\r\n\r\n") && r.contains("Content-Length: 15"),
            "{r}"
        );
        assert!(
            get(addr, b"GET /nope HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 404")
        );
        assert!(
            get(addr, b"POST /metrics HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 405")
        );
        let huge = vec![b'a'; MAX_HEAD + 2048];
        assert!(get(addr, &huge).await.starts_with("HTTP/1.1 400"));
        task.abort();
    }
}
