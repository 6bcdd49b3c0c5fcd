//! The Chrome DevTools Protocol over a WebSocket, as Chrome and Node serve
//! it: `GET /json/list` (and `/json`) names the runtime as a target,
//! `/json/version` the protocol, and the target's WebSocket URL carries
//! the protocol messages to and from one inspector session each. One
//! thread accepts; each connection has a thread of its own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::error::{Error, Status};
use crate::runtime::Runtime;

/// A listening inspector: its address and target id.
pub struct Listening {
    pub addr: SocketAddr,
    pub id: String,
}

impl Listening {
    /// The WebSocket URL of the runtime's target.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/{}", self.addr, self.id)
    }

    /// What to open in Chrome (`chrome://inspect` finds it too).
    pub fn devtools_url(&self) -> String {
        format!(
            "devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws={}/{}",
            self.addr, self.id
        )
    }
}

/// Listen on `addr` (a loopback address unless `any_address`) for DevTools
/// clients of `runtime`.
pub(crate) fn listen(runtime: &Arc<Runtime>, addr: &str, any_address: bool) -> Result<Listening, Error> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| Error::bad_input(format!("inspector address {addr:?}: {e}")))?
        .collect();
    let Some(&first) = addrs.first() else {
        return Err(Error::bad_input(format!("inspector address {addr:?} names no address")));
    };
    if !any_address && !addrs.iter().all(|a| a.ip().is_loopback()) {
        return Err(Error::bad_input(format!(
            "inspector address {addr:?} is not a loopback address: anyone who reaches it can run code in the runtime"
        )));
    }
    let listener = TcpListener::bind(first)
        .map_err(|e| Error::new(Status::BadInput, format!("inspector: cannot listen on {addr}: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::new(Status::Internal, format!("inspector: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(Status::Internal, format!("inspector: {e}")))?;
    let id = target_id();
    let listening = Listening { addr, id: id.clone() };
    let target = Target {
        runtime: Arc::downgrade(runtime),
        addr,
        id,
        title: runtime.name().to_string(),
    };
    std::thread::Builder::new()
        .name("v8r-inspector".into())
        .spawn(move || accept_loop(listener, Arc::new(target)))
        .map_err(|e| Error::new(Status::Internal, format!("inspector thread: {e}")))?;
    Ok(listening)
}

struct Target {
    runtime: Weak<Runtime>,
    addr: SocketAddr,
    id: String,
    title: String,
}

fn target_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness from the OS the id stays all zeros: fixed, but it works.
    let _ = crate::web::fill_random(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Accept until the runtime is gone (polled: the listener never blocks).
fn accept_loop(listener: TcpListener, target: Arc<Target>) {
    loop {
        if target.runtime.strong_count() == 0 {
            return;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let target = Arc::clone(&target);
                let _ = std::thread::Builder::new()
                    .name("v8r-inspector-conn".into())
                    .spawn(move || serve(stream, &target));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A stream that first replays the request head already read.
struct Replay {
    head: std::io::Cursor<Vec<u8>>,
    stream: TcpStream,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        self.stream.read(buf)
    }
}

impl Write for Replay {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

fn serve(stream: TcpStream, target: &Target) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        head.extend_from_slice(line.as_bytes());
        if line == "\r\n" || line == "\n" || head.len() > 16 << 10 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let upgrade = text.to_ascii_lowercase().contains("upgrade: websocket");
    if upgrade && path == format!("/{}", target.id) {
        let mut replay_head = head;
        // Bytes the reader buffered past the head belong to the socket.
        replay_head.extend_from_slice(reader.buffer());
        websocket(
            Replay {
                head: std::io::Cursor::new(replay_head),
                stream,
            },
            target,
        );
        return;
    }
    let body = match path.trim_end_matches('/') {
        "/json" | "/json/list" => {
            let frontend = |page: &str| {
                format!(
                    "devtools://devtools/bundled/{page}?experiments=true&v8only=true&ws={}/{}",
                    target.addr, target.id
                )
            };
            serde_json::json!([{
                "description": "v8runner runtime",
                "devtoolsFrontendUrl": frontend("js_app.html"),
                "devtoolsFrontendUrlCompat": frontend("inspector.html"),
                "faviconUrl": "",
                "id": target.id,
                "title": target.title,
                "type": "node",
                "url": format!("v8runner://{}", target.id),
                "webSocketDebuggerUrl": format!("ws://{}/{}", target.addr, target.id),
            }])
            .to_string()
        }
        "/json/version" => serde_json::json!({
            "Browser": concat!("v8runner/", env!("CARGO_PKG_VERSION")),
            "Protocol-Version": "1.3",
            "V8-Version": v8::V8::get_version(),
        })
        .to_string(),
        _ => {
            let _ = (&stream).write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
    };
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        body
    );
    let _ = (&stream).write_all(reply.as_bytes());
}

/// One DevTools session over a WebSocket: messages in go to the runtime,
/// its answers come back through a channel this thread drains between
/// reads (a short read timeout keeps both moving).
fn websocket(stream: Replay, target: &Target) {
    let raw = stream.stream.try_clone();
    let Ok(mut ws) = tungstenite::accept(stream) else {
        return;
    };
    if let Ok(raw) = raw {
        let _ = raw.set_read_timeout(Some(Duration::from_millis(10)));
    }
    let Some(runtime) = target.runtime.upgrade() else {
        return;
    };
    let (out, rx) = crate::inspector::channel();
    let Ok(session) = runtime.inspector_connect(out) else {
        return;
    };
    let weak = Arc::downgrade(&runtime);
    drop(runtime);
    loop {
        while let Ok(msg) = rx.try_recv() {
            if ws.send(tungstenite::Message::text(msg)).is_err() {
                break;
            }
        }
        match ws.read() {
            Ok(tungstenite::Message::Text(text)) => match weak.upgrade() {
                Some(rt) => rt.inspector_send(session, text.to_string()),
                None => break,
            },
            Ok(tungstenite::Message::Close(_)) => break,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                if weak.strong_count() == 0 {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    if let Some(rt) = weak.upgrade() {
        rt.inspector_disconnect(session);
    }
}
