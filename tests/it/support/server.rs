//! A scripted HTTP/1.1 server on loopback, for the tests and the demo.
//!
//! Each route (method + path, query ignored) answers from a queue of replies; the last
//! one repeats. Every request is recorded, so tests assert what reached the server. A
//! reply can be delayed, can hang (never answer), or can be raw bytes. Not compiled into
//! the golive binary. (Hand-written rather than httpmock: ordered reply sequences for a
//! moving operation, replies that never come, and raw bytes are all one line each here.)

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// Read the request, then never answer (until the server is dropped).
    Hang,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Http {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn json(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(body.as_bytes())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    pub fn body(mut self, bytes: &[u8]) -> Reply {
        if let Reply::Http { body, .. } = &mut self {
            *body = bytes.to_vec();
        }
        self
    }

    pub fn after(mut self, wait: Duration) -> Reply {
        if let Reply::Http { delay, .. } = &mut self {
            *delay = wait;
        }
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Route {
    method: String,
    path: String,
    queue: VecDeque<Reply>,
    last: Option<Reply>,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<Vec<Route>>,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
    /// Serve further requests on a connection (HTTP/1.1 keep-alive) instead of closing
    /// it after one.
    keep_alive: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tls: bool,
}

impl Server {
    /// Starts on 127.0.0.1 with a free port.
    pub fn start() -> Server {
        Server::listen("127.0.0.1", None)
    }

    /// Starts on another loopback address (`127.0.0.2`), to tell two hosts apart.
    pub fn start_at(ip: &str) -> Server {
        Server::listen(ip, None)
    }

    /// Starts an HTTPS server with a fresh self-signed certificate for 127.0.0.1 and
    /// localhost; returns it with that certificate in PEM (the CA bundle that trusts it).
    pub fn start_tls() -> (Server, String) {
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names).expect("cert");
        let cert = certified.cert.der().clone();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| {
                builder
                    .with_no_client_auth()
                    .with_single_cert(vec![cert], key)
            })
            .expect("tls config");
        (
            Server::listen("127.0.0.1", Some(Arc::new(config))),
            certified.cert.pem(),
        )
    }

    fn listen(ip: &str, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        let is_tls = tls.is_some();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                // Head and body go out in separate writes: without this, a client's
                // delayed ACK would stall every answer by ~40 ms (Nagle's algorithm).
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&accepting);
                let tls = tls.clone();
                thread::spawn(move || match tls {
                    None => serve(stream, &shared),
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        serve(rustls::StreamOwned::new(connection, stream), &shared);
                    }
                });
            }
        });
        Server {
            addr,
            shared,
            tls: is_tls,
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Keeps connections open for further requests (HTTP/1.1 keep-alive).
    pub fn keep_alive(&self) {
        self.shared.keep_alive.store(true, Ordering::SeqCst);
    }

    /// Scripts a route: the replies in order, the last one repeating.
    pub fn route(&self, method: &str, path: &str, replies: Vec<Reply>) {
        let mut routes = lock(&self.shared.routes);
        routes.retain(|r| !(r.method == method && r.path == path));
        routes.push(Route {
            method: method.to_owned(),
            path: path.to_owned(),
            queue: replies.into(),
            last: None,
        });
    }

    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// The requests to one method and path.
    pub fn hits(&self, method: &str, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: impl Read + Write, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    // One request, or with keep-alive as many as the client sends on the connection.
    while let Some(request) = read_request(&mut reader) {
        let keep = shared.keep_alive.load(Ordering::SeqCst)
            && !request
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        answer(&mut reader, request, shared, keep);
        if !keep {
            break;
        }
    }
}

fn answer(
    reader: &mut BufReader<impl Read + Write>,
    request: Request,
    shared: &Shared,
    keep: bool,
) {
    // The request is read whole; a next one, if any, waits in the buffer.
    let writer = reader.get_mut();
    let reply = next_reply(shared, &request);
    lock(&shared.requests).push(request);
    match reply {
        Reply::Hang => {
            while !shared.stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
            }
        }
        Reply::Http {
            status,
            headers,
            body,
            delay,
        } => {
            thread::sleep(delay);
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nConnection: {}\r\nContent-Length: {}\r\n",
                reason(status),
                if keep { "keep-alive" } else { "close" },
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            // The client may hang up early (a capped body): that is fine.
            let _ = writer.write_all(head.as_bytes());
            for chunk in body.chunks(64 * 1024) {
                if writer.write_all(chunk).is_err() {
                    break;
                }
            }
            let _ = writer.flush();
        }
    }
}

fn next_reply(shared: &Shared, request: &Request) -> Reply {
    let mut routes = lock(&shared.routes);
    let Some(route) = routes
        .iter_mut()
        .find(|r| r.method == request.method && r.path == request.path)
    else {
        return Reply::json(
            599,
            r#"{"error":{"code":"NoRoute","message":"the test server has no route for this"}}"#,
        );
    };
    match route.queue.pop_front() {
        Some(reply) => {
            route.last = Some(reply.clone());
            reply
        }
        None => route.last.clone().unwrap_or_else(|| Reply::status(599)),
    }
}

fn read_request(reader: &mut BufReader<impl Read>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let path = target.split('?').next().unwrap_or_default().to_owned();
    Some(Request {
        method,
        target,
        path,
        headers,
        body,
        at: Instant::now(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        301 | 302 | 307 => "Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
